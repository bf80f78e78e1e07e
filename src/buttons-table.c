/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The button sequences, as data. Steps and timings follow the reference
 * button-classes.md (Apple's support wording, The iPhone Wiki "DFU Mode",
 * Legacy-iOS-Kit and palera1n); where those disagree the step uses the
 * longer or more common figure and the text says "about". Timings are
 * targets: irecctl watches USB and stops prompting once the device arrives.
 */
#include "buttons-table.h"

/* Hand-laid-out data: the line breaks follow the sentences, not the formatter. */
/* clang-format off */

/* A step or note array literal, with its element count computed from it. */
#define STEPS(...)                                                                                 \
	.steps = (const struct button_step[]){__VA_ARGS__},                                        \
	.nsteps = sizeof((const struct button_step[]){__VA_ARGS__}) / sizeof(struct button_step)
#define NOTES(...)                                                                                 \
	.notes = (const struct button_note[]){__VA_ARGS__},                                        \
	.nnotes = sizeof((const struct button_note[]){__VA_ARGS__}) / sizeof(struct button_note)

#define ONLY(c) (1u << (c))
/* A note for one device class, or (second field) one connector. */
#define EVERY 0, 0
#define FOR_CLASS(c) ONLY(c), 0
#define FOR_CONNECTOR(c) 0, ONLY(c)

/* Timing-free steps. */
#define QUICK(text) {text, 0, false}
#define DO(text) {text, 0, false}

#define CONNECT DO("Connect the device to this computer with a USB data cable.")

#define PIDS_RECOVERY {0x1280, 0x1281, 0x1282, 0x1283, 0}
#define PIDS_DFU {0x1227, 0x1881, 0xf014, 0}

/* Shared notes. */
#define NOTE_LIGHTNING                                                                             \
	{"Use a USB-A-to-Lightning cable: Apple's USB-C-to-Lightning cables reportedly cannot "   \
	 "enter DFU.",                                                                             \
	 FOR_CONNECTOR(CONNECTOR_LIGHTNING)}
#define NOTE_NEW_DFU_IDS                                                                           \
	{"Some newer devices appear as 05ac:1881 (KIS, DFU over debug USB) or 05ac:f014 (Port "   \
	 "DFU) instead of 05ac:1227; irecctl treats both as DFU.",                                 \
	 EVERY}
#define NOTE_DFU_MISSED(button)                                                                    \
	{"The screen stays black in DFU. Apple logo: " button " was held too long. Recovery "     \
	 "screen: DFU was missed. In both cases force restart and try again.",                    \
	 EVERY}
/* True next to the USB-assisted method of `enter --dfu` too: it still takes the buttons. */
#define NOTE_NOT_PROGRAMMABLE                                                                      \
	{"No USB command enters DFU; only the buttons do. From recovery mode, irecctl enter "     \
	 "--dfu can time them and reboot the device while you hold them (on a terminal, or with " \
	 "--wait-for-person).",                                                                    \
	 EVERY}
#define NOTE_LEAVES_MODES {"This also leaves DFU and recovery mode.", EVERY}
/* A force restart from recovery boots the OS only when auto-boot is on. */
#define NOTE_RECOVERY_EXIT                                                                         \
	{"Back in recovery mode after the restart? The OS may be fine: a device sent to recovery " \
	 "over USB, or left there by a failed update, has auto-boot off. Run irecctl exit first; " \
	 "if the device keeps coming back to recovery, " BUTTONS_LOOP_ADVICE ".",                  \
	 EVERY}
/* Since iPadOS 15.4 what a volume button does follows the orientation. */
#define NOTE_IPAD_VOLUME                                                                           \
	{"The volume buttons are named by where they are: which one turns the volume up can "     \
	 "change with the orientation, their place does not.",                                     \
	 EVERY}

/* ---- recovery ------------------------------------------------------------ */

const struct button_sequence button_rec_table[REC_CLASS_COUNT] = {
	[REC_VOLUP_VOLDN_SIDE] = {
		.class_name = "REC_VOLUP_VOLDN_SIDE", .purpose = BUTTONS_RECOVERY,
		.availability = BUTTONS_PERSON,
		.title = "Recovery mode: iPhone 8 and later, iPhone SE (2nd/3rd gen)",
		STEPS(CONNECT,
		      QUICK("Quick press Volume Up."),
		      QUICK("Quick press Volume Down."),
		      {"Press and hold the Side button; keep holding past the Apple logo until the "
		       "recovery screen shows: the iTunes logo and a cable (iOS 11 and 12), or a "
		       "computer and a cable (iOS 13 and later).", 15, true},
		      DO("Release the Side button.")),
		NOTES({"About 10 s to the Apple logo, then a few more to the recovery screen.", EVERY},
		      {"Alternative: power off, then hold the Side button while connecting the "
		       "cable; keep holding until the recovery screen shows.", EVERY}),
		.expect_pids = PIDS_RECOVERY,
	},
	[REC_SIDE_VOLDN] = {
		.class_name = "REC_SIDE_VOLDN", .purpose = BUTTONS_RECOVERY,
		.availability = BUTTONS_PERSON,
		.title = "Recovery mode: iPhone 7 / 7 Plus, iPod touch (7th gen)",
		STEPS(CONNECT,
		      {"Press and hold the Side button (Top button on iPod touch) and Volume Down "
		       "together; keep holding past the Apple logo until the recovery screen shows.",
		       15, true},
		      DO("Release both buttons.")),
		NOTES({"Alternative: power off, then hold Volume Down while connecting the cable; "
		       "keep holding until the recovery screen shows.", EVERY}),
		.expect_pids = PIDS_RECOVERY,
	},
	[REC_HOME_TOP] = {
		.class_name = "REC_HOME_TOP", .purpose = BUTTONS_RECOVERY,
		.availability = BUTTONS_PERSON,
		.title = "Recovery mode: devices with a Home button (iPhone up to 6s and SE 1st gen, "
			 "iPod touch up to 6th gen, iPads with Home)",
		STEPS(CONNECT,
		      {"Press and hold the Home button and the Top (or Side) button together; keep "
		       "holding past the Apple logo until the recovery screen shows.", 15, true},
		      DO("Release both buttons.")),
		NOTES({"Alternative: power off, then hold the Home button while connecting the cable; "
		       "keep holding until the recovery screen shows.", EVERY}),
		.expect_pids = PIDS_RECOVERY,
	},
	[REC_IPAD_NOHOME] = {
		.class_name = "REC_IPAD_NOHOME", .purpose = BUTTONS_RECOVERY,
		.availability = BUTTONS_PERSON,
		.title = "Recovery mode: iPads without a Home button",
		STEPS(CONNECT,
		      QUICK("Quick press the volume button nearest to the top button."),
		      QUICK("Quick press the volume button farthest from the top button."),
		      {"Press and hold the top button; keep holding past the Apple logo until the "
		       "recovery screen shows.", 15, true},
		      DO("Release the top button.")),
		NOTES({"Alternative: power off (the top button and either volume button, then the "
		       "slider), then hold the top button while connecting the cable until the "
		       "recovery screen shows.", EVERY},
		      NOTE_IPAD_VOLUME),
		.expect_pids = PIDS_RECOVERY,
	},
	[REC_ATV_SERVICE_USB] = {
		.class_name = "REC_ATV_SERVICE_USB", .purpose = BUTTONS_RECOVERY,
		.availability = BUTTONS_NONE,
		.title = "Recovery mode: Apple TV (2nd/3rd gen, HD): no button combination",
		STEPS(DO("There is no button combination. Connect the service USB port (micro-USB, or "
			 "USB-C on Apple TV HD) to this computer; the device comes up in recovery by "
			 "itself only when its firmware is damaged. Otherwise put it into recovery over "
			 "USB with `irecctl enter`.")),
		NOTES({"The 3rd generation may also need mains power while on USB (unverified).", EVERY}),
		.expect_pids = PIDS_RECOVERY,
	},
	[REC_NO_USER_USB] = {
		.class_name = "REC_NO_USER_USB", .purpose = BUTTONS_RECOVERY,
		.availability = BUTTONS_NONE,
		.title = "Recovery mode: no user procedure",
		STEPS(DO("No user procedure: this device has no user-reachable USB data port. It "
			 "appears over USB only through a service or diagnostic cable, so irecctl can "
			 "only recognise it.")),
		.expect_pids = PIDS_RECOVERY,
	},
	[REC_MAC_NA] = {
		.class_name = "REC_MAC_NA", .purpose = BUTTONS_RECOVERY,
		.availability = BUTTONS_NONE,
		.title = "Recovery mode: not applicable (Mac / T2)",
		STEPS(DO("Not applicable: macOS Recovery is a feature of macOS, not a USB mode. iBoot "
			 "recovery (05ac:1281) appears only after a failed boot or restore; revive or "
			 "restore the Mac through DFU instead.")),
		.expect_pids = PIDS_RECOVERY,
	},
	[REC_NA] = {
		.class_name = "REC_NA", .purpose = BUTTONS_RECOVERY,
		.availability = BUTTONS_NONE,
		.title = "Recovery mode: not applicable",
		STEPS(DO("Not applicable: this device has no user-facing recovery mode.")),
	},
	[REC_VIRTUAL] = {
		.class_name = "REC_VIRTUAL", .purpose = BUTTONS_RECOVERY,
		.availability = BUTTONS_NONE,
		.title = "Recovery mode: virtual device",
		STEPS(DO("Not applicable: a virtual device; its hypervisor controls how it boots.")),
	},
};

/* ---- DFU ----------------------------------------------------------------- */

const struct button_sequence button_dfu_table[DFU_CLASS_COUNT] = {
	[DFU_VOLUP_VOLDN_SIDE] = {
		.class_name = "DFU_VOLUP_VOLDN_SIDE", .purpose = BUTTONS_DFU,
		.availability = BUTTONS_PERSON,
		.title = "DFU mode: iPhone 8 and later, iPhone SE (2nd/3rd gen)",
		STEPS(CONNECT,
		      QUICK("Quick press Volume Up."),
		      QUICK("Quick press Volume Down."),
		      {"Press and hold the Side button until the screen goes black.", 10, true},
		      {"Keep holding Side and also press and hold Volume Down.", 5, true},
		      {"Release the Side button; keep holding Volume Down until this computer sees "
		       "the device.", 10, true},
		      DO("Release Volume Down.")),
		NOTES(NOTE_DFU_MISSED("Side"), NOTE_LIGHTNING, NOTE_NEW_DFU_IDS, NOTE_NOT_PROGRAMMABLE),
		.expect_pids = PIDS_DFU,
	},
	[DFU_IPAD_NOHOME] = {
		.class_name = "DFU_IPAD_NOHOME", .purpose = BUTTONS_DFU,
		.availability = BUTTONS_PERSON,
		.title = "DFU mode: iPads without a Home button",
		STEPS(CONNECT,
		      QUICK("Quick press the volume button nearest to the top button."),
		      QUICK("Quick press the volume button farthest from the top button."),
		      {"Press and hold the top button until the screen goes black.", 10, true},
		      {"Keep holding the top button and also press and hold the volume button "
		       "farthest from the top button.", 5, true},
		      {"Release the top button; keep holding the volume button farthest from the top "
		       "button until this computer sees the device (8-10 s).", 10, true},
		      DO("Release the volume button.")),
		NOTES(NOTE_DFU_MISSED("the top button"), NOTE_IPAD_VOLUME, NOTE_NEW_DFU_IDS,
		      NOTE_NOT_PROGRAMMABLE),
		.expect_pids = PIDS_DFU,
	},
	[DFU_SIDE_VOLDN] = {
		.class_name = "DFU_SIDE_VOLDN", .purpose = BUTTONS_DFU,
		.availability = BUTTONS_PERSON,
		.title = "DFU mode: iPhone 7 / 7 Plus, iPod touch (7th gen)",
		STEPS(CONNECT,
		      {"Press and hold the Side button (Top button on iPod touch) and Volume Down "
		       "together.", 8, true},
		      {"Release Side/Top; keep holding Volume Down until this computer sees the "
		       "device (5-10 s).", 10, true},
		      DO("Release Volume Down.")),
		NOTES(NOTE_DFU_MISSED("Side/Top"), NOTE_LIGHTNING,
		      {"iPod touch (7th gen): the Top button and Volume Down, as above, also on a "
		       "retry; its Home button plays no part (Apple groups this model with the "
		       "iPhone 7 for these buttons).", FOR_CLASS(CLASS_IPOD)},
		      NOTE_NOT_PROGRAMMABLE),
		.expect_pids = PIDS_DFU,
	},
	[DFU_HOME_TOP] = {
		.class_name = "DFU_HOME_TOP", .purpose = BUTTONS_DFU,
		.availability = BUTTONS_PERSON,
		.title = "DFU mode: devices with a Home button",
		STEPS(CONNECT,
		      {"Press and hold the Home button and the Top (or Side) button together.", 8,
		       true},
		      {"Release Top/Side; keep holding Home until this computer sees the device "
		       "(8-10 s).", 10, true},
		      DO("Release the Home button.")),
		NOTES(NOTE_DFU_MISSED("the Top/Side button"), NOTE_LIGHTNING, NOTE_NOT_PROGRAMMABLE),
		.expect_pids = PIDS_DFU,
	},
	[DFU_HOME_TOP_WTF] = {
		.class_name = "DFU_HOME_TOP_WTF", .purpose = BUTTONS_DFU,
		.availability = BUTTONS_PERSON,
		.title = "DFU mode: iPhone 2G, iPhone 3G, iPod touch (1st gen)",
		STEPS(CONNECT,
		      {"Press and hold the Home button and the Top button together.", 10, true},
		      {"Release Top; keep holding Home until this computer sees the device.", 11,
		       true},
		      DO("Release the Home button.")),
		NOTES({"The device first appears as WTF (05ac:1222), not DFU. The computer must send "
		       "WTF.s5l8900xall.RELEASE.dfu (from the restore IPSW) before it comes back as "
		       "DFU (05ac:1227).", EVERY},
		      {"libirecovery does not match an ECID in WTF mode.", EVERY}),
		.expect_pids = {0x1222, 0x1227, 0},
	},
	[DFU_ATV_REMOTE_MENU_PLAY] = {
		.class_name = "DFU_ATV_REMOTE_MENU_PLAY", .purpose = BUTTONS_DFU,
		.availability = BUTTONS_PERSON,
		.title = "DFU mode: Apple TV (2nd/3rd gen, HD) with its remote",
		STEPS(DO("Connect the Apple TV's USB port (micro-USB, or USB-C on Apple TV HD) to "
			 "this computer and plug in its power."),
		      {"Point the remote at the Apple TV and hold MENU and PLAY/PAUSE together.", 7,
		       true},
		      DO("Release both buttons.")),
		NOTES({"Apple TV 2nd/3rd gen use the aluminium Apple Remote; the 3rd-gen procedure is "
		       "assumed from the 2nd gen.", EVERY},
		      {"Apple TV HD: start from recovery and hold Menu + Play/Pause on the Siri Remote; "
		       "after about 2 s irecctl reboots it, then keep holding up to 8 s more.", EVERY}),
		.expect_pids = PIDS_DFU,
	},
	[DFU_SERVICE_CABLE] = {
		.class_name = "DFU_SERVICE_CABLE", .purpose = BUTTONS_DFU,
		.availability = BUTTONS_SERVICE_HW,
		.title = "DFU mode: service cable or board required",
		STEPS(DO("No user procedure: DFU needs a special service cable or board connected to "
			 "this computer.")),
		NOTES({"Apple TV 4K (1st gen): you may need to press a button on the cable or board "
		       "during the reboot.", FOR_CLASS(CLASS_APPLETV)},
		      {"HomePod (1st gen), from recovery: put it upside down, let irecctl reboot it, "
		       "then turn it upright once it is in DFU.", FOR_CLASS(CLASS_HOMEPOD)}),
		.expect_pids = PIDS_DFU,
	},
	[DFU_WATCH_DIAG_PORT] = {
		.class_name = "DFU_WATCH_DIAG_PORT", .purpose = BUTTONS_DFU,
		.availability = BUTTONS_SERVICE_HW,
		.title = "DFU mode: Apple Watch with a diagnostic-port adapter",
		STEPS(DO("Connect the watch's hidden diagnostic port to this computer with an iBUS "
			 "adapter."),
		      {"Press and hold the Digital Crown and the side button until the screen goes "
		       "black.", 0, true},
		      {"Keep holding both for 3 more seconds.", 3, true},
		      {"Release the side button; keep holding the Digital Crown.", 5, true},
		      DO("Release the Digital Crown.")),
		.expect_pids = PIDS_DFU,
	},
	[DFU_NONE_USER] = {
		.class_name = "DFU_NONE_USER", .purpose = BUTTONS_DFU,
		.availability = BUTTONS_NONE,
		.title = "DFU mode: no known user procedure",
		STEPS(DO("No known user procedure: this device cannot be put into DFU by a person "
			 "with buttons. irecctl can only recognise it.")),
		NOTES({"Apple Watch Series 7 and later are believed to have no diagnostic port "
		       "(unverified).", FOR_CLASS(CLASS_WATCH)}),
		.expect_pids = PIDS_DFU,
	},
	[DFU_MAC_LAPTOP_KEYS] = {
		.class_name = "DFU_MAC_LAPTOP_KEYS", .purpose = BUTTONS_DFU,
		.availability = BUTTONS_PERSON,
		.title = "DFU mode: Mac laptops with Apple silicon",
		STEPS(DO("Shut the Mac down and connect this computer to the Mac's DFU port (USB-C)."),
		      {"Press and hold the power button and, while holding it, also press and hold "
		       "right Shift + left Option + left Control.", 10, true},
		      {"Release the three keys; keep holding the power button until this computer "
		       "sees the Mac.", 0, true},
		      DO("Release the power button.")),
		NOTES({"Which USB-C port is the DFU port depends on the model: Apple's support "
		       "pages on reviving or restoring a Mac with Apple silicon name it for each "
		       "model.", EVERY},
		      NOTE_NEW_DFU_IDS),
		.expect_pids = PIDS_DFU,
	},
	[DFU_MAC_DESKTOP_POWER] = {
		.class_name = "DFU_MAC_DESKTOP_POWER", .purpose = BUTTONS_DFU,
		.availability = BUTTONS_PERSON,
		.title = "DFU mode: Mac desktops (Apple silicon and T2)",
		STEPS(DO("Connect this computer to the Mac's DFU port (USB-C)."),
		      {"Unplug the Mac's power cord and wait.", 10, false},
		      {"Press and hold the power button and, still holding it, plug the power cord "
		       "back in (Mac mini: until the status light turns amber).", 3, true},
		      DO("Release the power button.")),
		NOTES(NOTE_NEW_DFU_IDS),
		.expect_pids = PIDS_DFU,
	},
	[DFU_T2_LAPTOP_KEYS] = {
		.class_name = "DFU_T2_LAPTOP_KEYS", .purpose = BUTTONS_DFU,
		.availability = BUTTONS_PERSON,
		.title = "DFU mode: Intel Mac laptops with a T2 chip",
		STEPS(DO("Shut the Mac down and connect this computer to the Mac's DFU port (USB-C)."),
		      {"Press and hold the power button together with right Shift + left Option + "
		       "left Control.", 3, true},
		      DO("Release all four keys.")),
		NOTES({"It is the T2 chip, not the Intel Mac, that appears in DFU.", EVERY}),
		.expect_pids = PIDS_DFU,
	},
	[DFU_VIRTUAL] = {
		.class_name = "DFU_VIRTUAL", .purpose = BUTTONS_DFU,
		.availability = BUTTONS_NONE,
		.title = "DFU mode: virtual device",
		STEPS(DO("Not applicable: a virtual device; its hypervisor controls DFU.")),
	},
};

/* ---- force restart ------------------------------------------------------- */

const struct button_sequence button_fr_table[FR_CLASS_COUNT] = {
	[FR_VOLUP_VOLDN_SIDE] = {
		.class_name = "FR_VOLUP_VOLDN_SIDE", .purpose = BUTTONS_RESTART,
		.availability = BUTTONS_PERSON,
		.title = "Force restart: iPhone 8 and later, iPhone SE (2nd/3rd gen)",
		STEPS(QUICK("Quick press Volume Up."),
		      QUICK("Quick press Volume Down."),
		      {"Press and hold the Side button until the Apple logo appears.", 10, true},
		      DO("Release the Side button.")),
		NOTES(NOTE_LEAVES_MODES, NOTE_RECOVERY_EXIT),
	},
	[FR_SIDE_VOLDN] = {
		.class_name = "FR_SIDE_VOLDN", .purpose = BUTTONS_RESTART,
		.availability = BUTTONS_PERSON,
		.title = "Force restart: iPhone 7 / 7 Plus, iPod touch (7th gen)",
		STEPS({"Press and hold the Side button (Top button on iPod touch) and Volume Down "
		       "together until the Apple logo appears.", 10, true},
		      DO("Release both buttons.")),
		NOTES(NOTE_LEAVES_MODES, NOTE_RECOVERY_EXIT),
	},
	[FR_HOME_TOP] = {
		.class_name = "FR_HOME_TOP", .purpose = BUTTONS_RESTART,
		.availability = BUTTONS_PERSON,
		.title = "Force restart: devices with a Home button",
		STEPS({"Press and hold the Home button and the Top (or Side) button together until "
		       "the Apple logo appears.", 10, true},
		      DO("Release both buttons.")),
		NOTES(NOTE_LEAVES_MODES, NOTE_RECOVERY_EXIT),
	},
	[FR_IPAD_NOHOME] = {
		.class_name = "FR_IPAD_NOHOME", .purpose = BUTTONS_RESTART,
		.availability = BUTTONS_PERSON,
		.title = "Force restart: iPads without a Home button",
		STEPS(QUICK("Quick press the volume button nearest to the top button."),
		      QUICK("Quick press the volume button farthest from the top button."),
		      {"Press and hold the top button until the Apple logo appears.", 10, true},
		      DO("Release the top button.")),
		NOTES(NOTE_LEAVES_MODES, NOTE_RECOVERY_EXIT, NOTE_IPAD_VOLUME),
	},
	[FR_ATV_REMOTE] = {
		.class_name = "FR_ATV_REMOTE", .purpose = BUTTONS_RESTART,
		.availability = BUTTONS_PERSON,
		.title = "Force restart: Apple TV with its remote",
		STEPS({"Hold MENU and DOWN (aluminium Apple Remote) or MENU/Back and TV/Control "
		       "Center (Siri Remote) until the status light blinks.", 6, true},
		      DO("Release the buttons.")),
		NOTES({"Unplugging the power cord for a few seconds also works.", EVERY}),
	},
	[FR_WATCH_SIDE_CROWN] = {
		.class_name = "FR_WATCH_SIDE_CROWN", .purpose = BUTTONS_RESTART,
		.availability = BUTTONS_PERSON,
		.title = "Force restart: Apple Watch",
		STEPS({"Press and hold the side button and the Digital Crown together until the "
		       "Apple logo appears (at least 10 s).", 10, true},
		      DO("Release both.")),
	},
	[FR_UNPLUG_POWER] = {
		.class_name = "FR_UNPLUG_POWER", .purpose = BUTTONS_RESTART,
		.availability = BUTTONS_PERSON,
		.title = "Force restart: unplug the power",
		STEPS({"Unplug the power cord and wait.", 10, false},
		      DO("Plug the power cord back in.")),
	},
	[FR_VISION_TOP_CROWN] = {
		.class_name = "FR_VISION_TOP_CROWN", .purpose = BUTTONS_RESTART,
		.availability = BUTTONS_PERSON,
		.title = "Force restart: Apple Vision Pro",
		STEPS({"Press and hold the top button and the Digital Crown together until the device "
		       "restarts.", 0, true},
		      DO("Release both.")),
		NOTES({"Unverified: this sequence is not confirmed by a primary source.", EVERY}),
	},
	[FR_MAC_POWER_HOLD] = {
		.class_name = "FR_MAC_POWER_HOLD", .purpose = BUTTONS_RESTART,
		.availability = BUTTONS_PERSON,
		.title = "Force restart: Mac",
		STEPS({"Press and hold the power button until the Mac turns off.", 10, true},
		      DO("Release it, then press the power button once to start the Mac.")),
	},
	[FR_VIRTUAL] = {
		.class_name = "FR_VIRTUAL", .purpose = BUTTONS_RESTART,
		.availability = BUTTONS_NONE,
		.title = "Force restart: virtual device",
		STEPS(DO("Not applicable: restart the virtual machine from its hypervisor.")),
	},
};
/* ---- USB-assisted DFU from recovery -------------------------------------- */

/* The first row matching the model's DFU class (and device class) wins. */
const struct button_assist button_assist_table[] = {
	{DFU_VOLUP_VOLDN_SIDE, 0, "Side and Volume Down", "Side", "Volume Down"},
	{DFU_SIDE_VOLDN, ONLY(CLASS_IPOD), "Top and Volume Down", "Top", "Volume Down"},
	{DFU_SIDE_VOLDN, 0, "Side and Volume Down", "Side", "Volume Down"},
	{DFU_IPAD_NOHOME, 0, "the top button and the volume button farthest from the top button",
	 "the top button", "the volume button farthest from the top button"},
	{DFU_HOME_TOP, 0, "Home and Top (Side)", "Top (Side)", "Home"},
	{DFU_HOME_TOP_WTF, 0, "Home and Top", "Top", "Home"},
};
const size_t button_assist_count = sizeof(button_assist_table) / sizeof(button_assist_table[0]);
/* clang-format on */
