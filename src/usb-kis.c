/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The KIS identity over its bulk protocol, with the layout libirecovery
 * 1.2.1 uses (src/libirecovery.c, KIS_req_header and KIS_device_info): a
 * 12-byte request header to bulk OUT endpoint 1 (config portal) or 3 (RSM
 * portal), the reply from 0x81/0x83. Two config writes enable the
 * interface; GET_INFO answers a block with a USB device descriptor whose
 * string indexes are word offsets into the block, where string descriptors
 * hold the identity, manufacturer, product and nonces.
 */
#include <stdint.h>
#include <string.h>

#include <libusb.h>

#include "irecctl/usb-kis.h"

#define HDR_LEN        12u
#define INFO_LEN       0x300u /* deviceInfo[] */
#define DESC_OFF       0x40u  /* device descriptor inside deviceInfo */
#define PORTAL_CONFIG  0x01
#define PORTAL_RSM     0x10
#define INDEX_ENABLE_A 0x0A
#define INDEX_ENABLE_B 0x14
#define INDEX_GET_INFO 0x100

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* sequence 0, version 0xA0, portal, args, index (10 bits), reply words. */
static void header(uint8_t *h, uint8_t portal, unsigned index, unsigned args, unsigned words)
{
	memset(h, 0, HDR_LEN);
	h[2] = 0xA0;
	h[3] = portal;
	h[4] = (uint8_t)args;
	h[5] = (uint8_t)(index & 0xFF);
	h[6] = (uint8_t)(((index >> 8) & 0x3) | ((words << 2) & 0xFC));
	h[7] = (uint8_t)((words >> 6) & 0xFF);
	put32(h + 8, args * 4);
}

static int request(struct usb_handle *uh, const uint8_t *req, int len, uint8_t *rpl, int cap,
                   int *got, unsigned timeout_ms)
{
	unsigned char ep = req[3] == PORTAL_CONFIG ? 0x01 : 0x03;
	int sent = 0, r;

	r = libusb_bulk_transfer(uh->h, ep, (unsigned char *)req, len, &sent, timeout_ms);
	if (r == 0 && sent != len)
		r = LIBUSB_ERROR_IO;
	if (r == 0)
		r = libusb_bulk_transfer(uh->h, ep | 0x80, rpl, cap, got, timeout_ms);
	return r;
}

static int config_write(struct usb_handle *uh, unsigned index, uint32_t value, unsigned timeout_ms)
{
	uint8_t req[HDR_LEN + 4], rpl[HDR_LEN + 8];
	int got = 0, r;

	header(req, PORTAL_CONFIG, index, 1, 1);
	put32(req + HDR_LEN, value);
	r = request(uh, req, sizeof(req), rpl, sizeof(rpl), &got, timeout_ms);
	/* the reply says how many bytes were written: 4 */
	if (r == 0 && (got < (int)sizeof(rpl) || rpl[HDR_LEN] != 4))
		r = LIBUSB_ERROR_IO;
	return r;
}

/* The string descriptor at word offset w of deviceInfo, as ASCII. */
static bool read_string(const uint8_t *info, unsigned w, char *buf, size_t len)
{
	size_t off = (size_t)w * 4, n;

	if (off + 2 > INFO_LEN || info[off + 1] != 3 || (info[off] & 1))
		return false;
	n = info[off] / 2;
	if (off + 2 + 2 * n > INFO_LEN || n >= len)
		return false;
	for (size_t i = 0; i < n; i++)
		buf[i] = (char)info[off + 2 + 2 * i];
	buf[n] = '\0';
	return n > 0;
}

int usb_kis_identity(struct usb_handle *uh, char *buf, size_t len, unsigned timeout_ms)
{
	uint8_t req[HDR_LEN], rpl[HDR_LEN + INFO_LEN + 8];
	int got = 0, r;

	r = config_write(uh, INDEX_ENABLE_A, 0x21, timeout_ms);
	if (r == 0)
		r = config_write(uh, INDEX_ENABLE_B, 0x01, timeout_ms);
	if (r != 0)
		return r;
	header(req, PORTAL_RSM, INDEX_GET_INFO, 0, INFO_LEN / 4);
	put32(req + 8, 0);
	r = request(uh, req, sizeof(req), rpl, sizeof(rpl), &got, timeout_ms);
	if (r != 0)
		return r;
	if (got < (int)(HDR_LEN + DESC_OFF + 18))
		return LIBUSB_ERROR_IO;
	/* iSerialNumber of the descriptor in the block names the identity. */
	if (!read_string(rpl + HDR_LEN, rpl[HDR_LEN + DESC_OFF + 16], buf, len))
		return LIBUSB_ERROR_IO;
	return 0;
}
