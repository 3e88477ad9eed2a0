#!/usr/bin/env python3
"""mschapv2.py - an MS-CHAPv2 peer for the tests (RFC 2759), in pure Python:
OpenSSL 3 has no MD4 and no single DES in its default provider, so hashlib
cannot help. MD4 is RFC 1320's, DES is FIPS 46-3's.

    mschapv2.py selftest
        RFC 1320's MD4 test suite and RFC 2759 section 9.2's example;
        prints "ok" or exits 1 saying what differs.
    mschapv2.py request USER PASSWORD
        radclient lines for an Access-Request: MS-CHAP-Challenge (the
        authenticator challenge, random) and MS-CHAP2-Response (ident,
        flags, peer challenge, reserved, NT-Response); then on a last line
        "# S=..." the AuthenticatorResponse a server that knows the password
        sends in MS-CHAP2-Success.
"""
import hashlib
import os
import struct
import sys


# --- MD4 (RFC 1320) --------------------------------------------------------
def _rotl(x, n):
    x &= 0xFFFFFFFF
    return ((x << n) | (x >> (32 - n))) & 0xFFFFFFFF


def md4(data):
    msg = bytes(data)
    n = len(msg)
    msg += b"\x80" + b"\x00" * ((55 - n) % 64) + struct.pack("<Q", (n * 8) & 0xFFFFFFFFFFFFFFFF)
    h = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476]
    for off in range(0, len(msg), 64):
        x = struct.unpack("<16I", msg[off:off + 64])
        a, b, c, d = h
        f = lambda x_, y, z: (x_ & y) | (~x_ & z)
        g = lambda x_, y, z: (x_ & y) | (x_ & z) | (y & z)
        hh = lambda x_, y, z: x_ ^ y ^ z
        for i in range(16):  # round 1
            k, s = i, (3, 7, 11, 19)[i % 4]
            a, b, c, d = d, _rotl(a + f(b, c, d) + x[k], s), b, c
        for i in range(16):  # round 2
            k, s = (i % 4) * 4 + i // 4, (3, 5, 9, 13)[i % 4]
            a, b, c, d = d, _rotl(a + g(b, c, d) + x[k] + 0x5A827999, s), b, c
        for i in range(16):  # round 3
            k = (0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15)[i]
            s = (3, 9, 11, 15)[i % 4]
            a, b, c, d = d, _rotl(a + hh(b, c, d) + x[k] + 0x6ED9EBA1, s), b, c
        h = [(v + w) & 0xFFFFFFFF for v, w in zip(h, (a, b, c, d))]
    return struct.pack("<4I", *h)


# --- DES (FIPS 46-3), one block, encryption only ----------------------------
_PC1 = (57, 49, 41, 33, 25, 17, 9, 1, 58, 50, 42, 34, 26, 18, 10, 2, 59, 51, 43, 35, 27, 19, 11, 3,
        60, 52, 44, 36, 63, 55, 47, 39, 31, 23, 15, 7, 62, 54, 46, 38, 30, 22, 14, 6, 61, 53, 45,
        37, 29, 21, 13, 5, 28, 20, 12, 4)
_PC2 = (14, 17, 11, 24, 1, 5, 3, 28, 15, 6, 21, 10, 23, 19, 12, 4, 26, 8, 16, 7, 27, 20, 13, 2,
        41, 52, 31, 37, 47, 55, 30, 40, 51, 45, 33, 48, 44, 49, 39, 56, 34, 53, 46, 42, 50, 36,
        29, 32)
_SHIFTS = (1, 1, 2, 2, 2, 2, 2, 2, 1, 2, 2, 2, 2, 2, 2, 1)
_IP = (58, 50, 42, 34, 26, 18, 10, 2, 60, 52, 44, 36, 28, 20, 12, 4, 62, 54, 46, 38, 30, 22, 14, 6,
       64, 56, 48, 40, 32, 24, 16, 8, 57, 49, 41, 33, 25, 17, 9, 1, 59, 51, 43, 35, 27, 19, 11, 3,
       61, 53, 45, 37, 29, 21, 13, 5, 63, 55, 47, 39, 31, 23, 15, 7)
_FP = (40, 8, 48, 16, 56, 24, 64, 32, 39, 7, 47, 15, 55, 23, 63, 31, 38, 6, 46, 14, 54, 22, 62, 30,
       37, 5, 45, 13, 53, 21, 61, 29, 36, 4, 44, 12, 52, 20, 60, 28, 35, 3, 43, 11, 51, 19, 59, 27,
       34, 2, 42, 10, 50, 18, 58, 26, 33, 1, 41, 9, 49, 17, 57, 25)
_E = (32, 1, 2, 3, 4, 5, 4, 5, 6, 7, 8, 9, 8, 9, 10, 11, 12, 13, 12, 13, 14, 15, 16, 17, 16, 17, 18,
      19, 20, 21, 20, 21, 22, 23, 24, 25, 24, 25, 26, 27, 28, 29, 28, 29, 30, 31, 32, 1)
_P = (16, 7, 20, 21, 29, 12, 28, 17, 1, 15, 23, 26, 5, 18, 31, 10, 2, 8, 24, 14, 32, 27, 3, 9, 19,
      13, 30, 6, 22, 11, 4, 25)
_S = (
    (14, 4, 13, 1, 2, 15, 11, 8, 3, 10, 6, 12, 5, 9, 0, 7, 0, 15, 7, 4, 14, 2, 13, 1, 10, 6, 12, 11,
     9, 5, 3, 8, 4, 1, 14, 8, 13, 6, 2, 11, 15, 12, 9, 7, 3, 10, 5, 0, 15, 12, 8, 2, 4, 9, 1, 7, 5,
     11, 3, 14, 10, 0, 6, 13),
    (15, 1, 8, 14, 6, 11, 3, 4, 9, 7, 2, 13, 12, 0, 5, 10, 3, 13, 4, 7, 15, 2, 8, 14, 12, 0, 1, 10,
     6, 9, 11, 5, 0, 14, 7, 11, 10, 4, 13, 1, 5, 8, 12, 6, 9, 3, 2, 15, 13, 8, 10, 1, 3, 15, 4, 2,
     11, 6, 7, 12, 0, 5, 14, 9),
    (10, 0, 9, 14, 6, 3, 15, 5, 1, 13, 12, 7, 11, 4, 2, 8, 13, 7, 0, 9, 3, 4, 6, 10, 2, 8, 5, 14,
     12, 11, 15, 1, 13, 6, 4, 9, 8, 15, 3, 0, 11, 1, 2, 12, 5, 10, 14, 7, 1, 10, 13, 0, 6, 9, 8, 7,
     4, 15, 14, 3, 11, 5, 2, 12),
    (7, 13, 14, 3, 0, 6, 9, 10, 1, 2, 8, 5, 11, 12, 4, 15, 13, 8, 11, 5, 6, 15, 0, 3, 4, 7, 2, 12,
     1, 10, 14, 9, 10, 6, 9, 0, 12, 11, 7, 13, 15, 1, 3, 14, 5, 2, 8, 4, 3, 15, 0, 6, 10, 1, 13, 8,
     9, 4, 5, 11, 12, 7, 2, 14),
    (2, 12, 4, 1, 7, 10, 11, 6, 8, 5, 3, 15, 13, 0, 14, 9, 14, 11, 2, 12, 4, 7, 13, 1, 5, 0, 15, 10,
     3, 9, 8, 6, 4, 2, 1, 11, 10, 13, 7, 8, 15, 9, 12, 5, 6, 3, 0, 14, 11, 8, 12, 7, 1, 14, 2, 13, 6,
     15, 0, 9, 10, 4, 5, 3),
    (12, 1, 10, 15, 9, 2, 6, 8, 0, 13, 3, 4, 14, 7, 5, 11, 10, 15, 4, 2, 7, 12, 9, 5, 6, 1, 13, 14,
     0, 11, 3, 8, 9, 14, 15, 5, 2, 8, 12, 3, 7, 0, 4, 10, 1, 13, 11, 6, 4, 3, 2, 12, 9, 5, 15, 10,
     11, 14, 1, 7, 6, 0, 8, 13),
    (4, 11, 2, 14, 15, 0, 8, 13, 3, 12, 9, 7, 5, 10, 6, 1, 13, 0, 11, 7, 4, 9, 1, 10, 14, 3, 5, 12,
     2, 15, 8, 6, 1, 4, 11, 13, 12, 3, 7, 14, 10, 15, 6, 8, 0, 5, 9, 2, 6, 11, 13, 8, 1, 4, 10, 7, 9,
     5, 0, 15, 14, 2, 3, 12),
    (13, 2, 8, 4, 6, 15, 11, 1, 10, 9, 3, 14, 5, 0, 12, 7, 1, 15, 13, 8, 10, 3, 7, 4, 12, 5, 6, 11,
     0, 14, 9, 2, 7, 11, 4, 1, 9, 12, 14, 2, 0, 6, 10, 13, 15, 3, 5, 8, 2, 1, 14, 7, 4, 10, 8, 13,
     15, 12, 9, 0, 3, 5, 6, 11),
)


def _perm(v, table, width):
    """The bits of v (width bits, bit 1 the most significant) picked by table."""
    out = 0
    for p in table:
        out = (out << 1) | ((v >> (width - p)) & 1)
    return out


def des_encrypt(key8, block8):
    k = _perm(int.from_bytes(key8, "big"), _PC1, 64)
    c, d = k >> 28, k & 0xFFFFFFF
    subkeys = []
    for s in _SHIFTS:
        c = ((c << s) | (c >> (28 - s))) & 0xFFFFFFF
        d = ((d << s) | (d >> (28 - s))) & 0xFFFFFFF
        subkeys.append(_perm((c << 28) | d, _PC2, 56))
    v = _perm(int.from_bytes(block8, "big"), _IP, 64)
    left, right = v >> 32, v & 0xFFFFFFFF
    for sk in subkeys:
        x = _perm(right, _E, 32) ^ sk
        f = 0
        for i in range(8):
            six = (x >> (42 - 6 * i)) & 0x3F
            row, col = ((six & 0x20) >> 4) | (six & 1), (six >> 1) & 0xF
            f = (f << 4) | _S[i][row * 16 + col]
        left, right = right, left ^ _perm(f, _P, 32)
    return _perm((right << 32) | left, _FP, 64).to_bytes(8, "big")


# --- MS-CHAPv2 (RFC 2759) ---------------------------------------------------
def _des_key(key7):
    """7 bytes into a DES key: 7 bits per byte, parity bits left 0."""
    v = int.from_bytes(key7, "big")
    return bytes(((v >> (49 - 7 * i)) & 0x7F) << 1 for i in range(8))


def nt_password_hash(password):
    return md4(password.encode("utf-16-le"))


def challenge_hash(peer, auth, user):
    return hashlib.sha1(peer + auth + user.encode()).digest()[:8]


def nt_response(auth, peer, user, password):
    ch = challenge_hash(peer, auth, user)
    z = nt_password_hash(password) + b"\x00" * 5
    return b"".join(des_encrypt(_des_key(z[i:i + 7]), ch) for i in (0, 7, 14))


def authenticator_response(password, nt_resp, peer, auth, user):
    magic1 = b"Magic server to client signing constant"
    magic2 = b"Pad to make it do more than one iteration"
    hh = md4(nt_password_hash(password))
    digest = hashlib.sha1(hh + nt_resp + magic1).digest()
    digest = hashlib.sha1(digest + challenge_hash(peer, auth, user) + magic2).digest()
    return "S=" + digest.hex().upper()


def selftest():
    bad = []
    vectors = {
        b"": "31d6cfe0d16ae931b73c59d7e0c089c0",
        b"a": "bde52cb31de33e46245e05fbdbd6fb24",
        b"abc": "a448017aaf21d8525fc10ae87aa6729d",
        b"message digest": "d9130a8164549fe818874806e1c7014b",
        b"abcdefghijklmnopqrstuvwxyz": "d79e1c308aa5bbcdeea8ed63df412da9",
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789":
            "043f8582f241db351ce627e153e7f0e4",
        b"1234567890" * 8: "e33b4ddc9c38f2199c3e7b164fcc0536",
    }
    for m, want in vectors.items():
        if md4(m).hex() != want:
            bad.append("md4(%r) = %s, not %s" % (m, md4(m).hex(), want))
    # FIPS 81 / the classic DES example: key 133457799BBCDFF1
    got = des_encrypt(bytes.fromhex("133457799BBCDFF1"), bytes.fromhex("0123456789ABCDEF")).hex()
    if got != "85e813540f0ab405":
        bad.append("des = %s, not 85e813540f0ab405" % got)
    user, pw = "User", "clientPass"
    auth = bytes.fromhex("5B5D7C7D7B3F2F3E3C2C602132262628")
    peer = bytes.fromhex("21402324255E262A28295F2B3A337C7E")
    checks = [
        ("ChallengeHash", challenge_hash(peer, auth, user).hex().upper(), "D02E4386BCE91226"),
        ("PasswordHash", nt_password_hash(pw).hex().upper(), "44EBBA8D5312B8D611474411F56989AE"),
        ("NT-Response", nt_response(auth, peer, user, pw).hex().upper(),
         "82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF"),
        ("AuthenticatorResponse",
         authenticator_response(pw, nt_response(auth, peer, user, pw), peer, auth, user),
         "S=407A5589115FD0D6209F510FE9C04566932CDA56"),
    ]
    for name, got, want in checks:
        if got != want:
            bad.append("%s = %s, not %s" % (name, got, want))
    if bad:
        print("\n".join(bad))
        return 1
    print("ok")
    return 0


def request(user, password):
    auth, peer = os.urandom(16), os.urandom(16)
    nt = nt_response(auth, peer, user, password)
    # ident, flags, peer challenge, 8 reserved, NT-Response
    resp = bytes([1, 0]) + peer + b"\x00" * 8 + nt
    print("MS-CHAP-Challenge = 0x" + auth.hex())
    print("MS-CHAP2-Response = 0x" + resp.hex())
    print("# " + authenticator_response(password, nt, peer, auth, user))
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 2 and sys.argv[1] == "selftest":
        sys.exit(selftest())
    if len(sys.argv) == 4 and sys.argv[1] == "request":
        sys.exit(request(sys.argv[2], sys.argv[3]))
    sys.stderr.write(__doc__)
    sys.exit(2)
