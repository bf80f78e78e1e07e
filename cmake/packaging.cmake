# SPDX-License-Identifier: LGPL-2.1-or-later
# Debian packages with `cpack -G DEB` (from the build directory):
#   irecctl_<version>_<arch>.deb      the tool, its man page, completions, udev
#                                     rule, tmpfiles entry, JSON schemas
#   irecctl-sim_<version>_<arch>.deb  irecsim, the simulated lab, and irecsim(1)
# Runtime dependencies come from the shared libraries the binaries link
# (dpkg-shlibdeps, from dpkg-dev).
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME irecctl)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "irecctl developers <irecctl-devel@lists.invalid>")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL irecctl)
if(IRECCTL_SIM)
  list(APPEND CPACK_COMPONENTS_ALL irecctl-sim)
endif()
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)

set(CPACK_DEBIAN_IRECCTL_PACKAGE_NAME irecctl)
# First line: the synopsis; CPack indents the rest.
set(CPACK_DEBIAN_IRECCTL_DESCRIPTION "put Apple devices into and out of Recovery Mode
irecctl lists every attached iPhone, iPad and other Apple device in every
mode, moves devices between normal mode and Recovery Mode and verifies that
they arrived, guides a person through the button sequences where USB cannot
do it, and streams device events to scripts (JSON, hooks).")
# Normal-mode devices are reached through usbmuxd.
set(CPACK_DEBIAN_IRECCTL_PACKAGE_RECOMMENDS "usbmuxd")
set(CPACK_DEBIAN_IRECCTL_PACKAGE_CONTROL_EXTRA
  "${PROJECT_SOURCE_DIR}/packaging/postinst;${PROJECT_SOURCE_DIR}/packaging/postrm")

set(CPACK_DEBIAN_IRECCTL-SIM_PACKAGE_NAME irecctl-sim)
set(CPACK_DEBIAN_IRECCTL-SIM_PACKAGE_SECTION devel)
# irecsim re-executes itself through umockdev-wrapper.
set(CPACK_DEBIAN_IRECCTL-SIM_PACKAGE_DEPENDS "umockdev")
set(CPACK_DEBIAN_IRECCTL-SIM_DESCRIPTION "simulated Apple devices for testing lab scripts (irecsim)
irecsim emulates iPhones and iPads in every mode at the layer the real
libraries see (usbfs through umockdev, a private usbmuxd with lockdownd), so
scripts and CI jobs that call irecctl, irecovery or idevicerestore can be
tested without a device. A test tool: every simulated device says so.")

# Debian wants a copyright file in each package's doc directory.
install(FILES ${PROJECT_SOURCE_DIR}/LICENSE DESTINATION share/doc/irecctl RENAME copyright
  COMPONENT irecctl)
if(IRECCTL_SIM)
  install(FILES ${PROJECT_SOURCE_DIR}/LICENSE DESTINATION share/doc/irecctl-sim RENAME copyright
    COMPONENT irecctl-sim)
endif()
include(CPack)
