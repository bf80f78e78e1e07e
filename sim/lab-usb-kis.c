/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The KIS bulk protocol (05ac:1881), the part libirecovery 1.2.1 and later
 * use to identify a KIS device: a request header on bulk OUT endpoint 1
 * (config portal) or 3 (RSM portal), its reply read back from 0x81/0x83.
 * Two config writes enable the interface, then GET_INFO returns a block
 * holding a USB device descriptor whose string indexes are word offsets
 * into the same block, where the identity, manufacturer, product and nonce
 * strings sit as string descriptors. Layout as libirecovery's structures.
 */
#include <string.h>

#include "lab-usb-priv.h"

#define KIS_HDR_LEN        12u
#define KIS_PORTAL_CONFIG  0x01
#define KIS_PORTAL_RSM     0x10
#define KIS_INDEX_GET_INFO 0x100
#define KIS_INFO_LEN       0x300u /* deviceInfo[] */
#define KIS_DESC_OFF       0x40u  /* the device descriptor inside deviceInfo */

/* Word offsets (x4 bytes) of the strings inside deviceInfo. */
enum { W_MANUFACTURER = 21, W_PRODUCT = 28, W_SERIAL = 44, W_NONCES = 106 };

static void put32(guint8 *p, guint32 v)
{
	p[0] = v & 0xff;
	p[1] = v >> 8 & 0xff;
	p[2] = v >> 16 & 0xff;
	p[3] = v >> 24 & 0xff;
}

/* A string descriptor (bLength, type 3, UTF-16LE of ASCII) at word w. */
static void put_string(guint8 *info, unsigned w, const char *s)
{
	size_t n = strlen(s), room = (KIS_INFO_LEN - w * 4 - 2) / 2;

	n = MIN(n, MIN(room, 126u));
	info[w * 4] = (guint8)(2 * n);
	info[w * 4 + 1] = 3;
	for (size_t i = 0; i < n; i++)
		info[w * 4 + 2 + 2 * i] = (guint8)s[i];
}

static void get_info_reply(struct usb_plug *p, GByteArray *r)
{
	guint8 *info;

	g_byte_array_set_size(r, KIS_HDR_LEN + KIS_INFO_LEN + 8);
	info = r->data + KIS_HDR_LEN;
	put32(info + 24, W_NONCES); /* nonceOffset */
	memcpy(info + KIS_DESC_OFF, p->desc, 18);
	info[KIS_DESC_OFF + 14] = W_MANUFACTURER;
	info[KIS_DESC_OFF + 15] = W_PRODUCT;
	info[KIS_DESC_OFF + 16] = W_SERIAL;
	put_string(info, W_MANUFACTURER, "Apple Inc.");
	put_string(info, W_PRODUCT, "Apple Mobile Device (KIS Mode)");
	put_string(info, W_SERIAL, p->kis_identity);
	put_string(info, W_NONCES, p->str_utf8[1] ? p->str_utf8[1] : "");
	put32(r->data + KIS_HDR_LEN + KIS_INFO_LEN, KIS_INFO_LEN); /* rspsize */
}

int usbsim_kis_out(struct usb_plug *p, unsigned ep, const guint8 *data, int len, int *actual)
{
	unsigned portal, index;
	GByteArray *r = g_byte_array_new();

	if (len < (int)KIS_HDR_LEN || (ep != 0x01 && ep != 0x03)) {
		lab_log(p->d, "usb", "kis bulk ep=0x%02x len=%d: STALL", ep, len);
		g_byte_array_unref(r);
		return -EPIPE;
	}
	portal = data[3];
	index = data[5] | (data[6] & 0x3u) << 8;
	if (portal == KIS_PORTAL_RSM && index == KIS_INDEX_GET_INFO) {
		get_info_reply(p, r);
	} else {
		/* a config write: {header, size 4, status 0} */
		g_byte_array_set_size(r, KIS_HDR_LEN + 8);
		memset(r->data, 0, r->len);
		put32(r->data + KIS_HDR_LEN, 4);
	}
	memcpy(r->data, data, KIS_HDR_LEN);
	lab_log(p->d, "usb", "kis request portal=0x%02x index=0x%03x", portal, index);
	lab_lock();
	if (p->kis_reply)
		g_byte_array_unref(p->kis_reply);
	p->kis_reply = r;
	lab_unlock();
	*actual = len;
	return 0;
}

int usbsim_kis_in(struct usb_plug *p, unsigned ep, guint8 *data, int len, int *actual)
{
	GByteArray *r;
	int n;

	lab_lock();
	r = p->kis_reply;
	p->kis_reply = NULL;
	lab_unlock();
	if (!r || (ep != 0x81 && ep != 0x83)) {
		lab_log(p->d, "usb", "kis bulk-in ep=0x%02x: STALL (nothing asked)", ep);
		if (r)
			g_byte_array_unref(r);
		return -EPIPE;
	}
	n = MIN(len, (int)r->len);
	memcpy(data, r->data, (size_t)n);
	*actual = n;
	g_byte_array_unref(r);
	return 0;
}
