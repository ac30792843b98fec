"""Checks the whole-file checksum of a convnet4j model file (format 2) without convnet4j or PyTorch.

    python3 src/test/python/model_checksum.py MODEL.safetensors [...]

The checksum is the CRC32C (Castagnoli, reflected polynomial 0x82F63B78) of the entire file with the
8 hex digits of the "convnet4j.crc32c" metadata value replaced by "00000000". This is an independent
definition (bitwise, from the polynomial) to compare the Java writer and reader against. Exits 1 if
any file does not match.
"""
import struct
import sys

FIELD = b'"convnet4j.crc32c":"'


def crc32c(data):
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    c = 0xFFFFFFFF
    for b in data:
        c = table[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def check(path):
    data = open(path, "rb").read()
    n = struct.unpack("<Q", data[:8])[0]
    at = data.index(FIELD, 8, 8 + n) + len(FIELD)
    stored = data[at:at + 8].decode("ascii", "replace")
    zeroed = data[:at] + b"00000000" + data[at + 8:]
    computed = "%08x" % crc32c(zeroed)
    print(f"{path}: stored {stored}, computed {computed}: {'ok' if computed == stored else 'MISMATCH'}")
    return computed == stored


sys.exit(0 if all([check(p) for p in sys.argv[1:]]) else 1)
