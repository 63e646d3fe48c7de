package io.pxereimage.runtime.election;

import io.pxereimage.runtime.net.Subnet;

import java.nio.ByteBuffer;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import io.pxereimage.runtime.net.Ip4;

/**
 * The announcement on the wire (docs/election.md has the byte table): 40 bytes of fields, big-endian, then
 * HMAC-SHA256 of those 40 bytes with the subnet's shared key. No I/O.
 *
 * <p>Decoding is strict: exact length, magic, version and type first ({@link ElectionCodecException.Kind#MALFORMED}),
 * then the HMAC ({@link ElectionCodecException.Kind#UNAUTHENTICATED}, compared in constant time), then every field
 * (reserved bits zero, a known role, a subnet without host bits, a non-zero id). Nothing unauthenticated is
 * interpreted beyond the header.
 */
public final class ElectionCodec {
    /** "PXEL". */
    public static final int MAGIC = 0x5058454C;
    public static final int VERSION = 1;
    public static final int TYPE_ANNOUNCE = 1;
    public static final int BODY_LENGTH = 40;
    public static final int MAC_LENGTH = 32;
    public static final int LENGTH = BODY_LENGTH + MAC_LENGTH;
    /** Shorter keys are refused: the key is all that keeps a stranger from winning the election. */
    public static final int MIN_KEY_LENGTH = 16;
    static final int FLAG_BUSY = 1;

    private final SecretKeySpec key;

    /** @param key the shared key, at least {@value #MIN_KEY_LENGTH} bytes (copied; never logged) */
    public ElectionCodec(byte[] key) {
        if (key == null || key.length < MIN_KEY_LENGTH) {
            throw new IllegalArgumentException("key: " + (key == null ? 0 : key.length) + " bytes, at least "
                    + MIN_KEY_LENGTH + " needed");
        }
        this.key = new SecretKeySpec(key.clone(), "HmacSHA256");
    }

    public byte[] encode(Announcement a) {
        ByteBuffer b = ByteBuffer.allocate(LENGTH);
        b.putInt(MAGIC).put((byte) VERSION).put((byte) TYPE_ANNOUNCE).put((byte) a.role().code)
                .put((byte) (a.busy() ? FLAG_BUSY : 0))
                .putInt(a.subnet().network()).put((byte) a.subnet().prefixLength()).put((byte) 0)
                .putShort((short) a.weight())
                .putLong(a.id())
                .putInt(Ip4.toInt(a.address()))
                .putLong(a.epoch())
                .putInt((int) a.seq());
        byte[] out = b.array();
        System.arraycopy(hmac(out), 0, out, BODY_LENGTH, MAC_LENGTH);
        return out;
    }

    public Announcement decode(byte[] p) throws ElectionCodecException {
        if (p.length != LENGTH) {
            throw malformed("length " + p.length + ", expected " + LENGTH);
        }
        ByteBuffer b = ByteBuffer.wrap(p);
        if (b.getInt(0) != MAGIC) {
            throw malformed("magic: not an election message");
        }
        if (p[4] != VERSION) {
            throw malformed("version: " + (p[4] & 0xff) + ", expected " + VERSION);
        }
        if (p[5] != TYPE_ANNOUNCE) {
            throw malformed("type: " + (p[5] & 0xff) + " is unknown");
        }
        byte[] expected = hmac(p);
        if (!MessageDigest.isEqual(expected, Arrays.copyOfRange(p, BODY_LENGTH, LENGTH))) {
            throw new ElectionCodecException(ElectionCodecException.Kind.UNAUTHENTICATED,
                    "hmac: does not match the shared key");
        }
        Role role = Role.ofCode(p[6] & 0xff);
        if (role == null) {
            throw malformed("role: " + (p[6] & 0xff) + " is unknown");
        }
        if ((p[7] & ~FLAG_BUSY) != 0) {
            throw malformed("flags: reserved bits set (0x" + Integer.toHexString(p[7] & 0xff) + ")");
        }
        if (p[13] != 0) {
            throw malformed("reserved byte 13 is not 0");
        }
        Subnet subnet;
        try {
            subnet = new Subnet(b.getInt(8), p[12] & 0xff);
        } catch (IllegalArgumentException e) {
            throw malformed("subnet: " + e.getMessage());
        }
        long id = b.getLong(16);
        if (id == 0) {
            throw malformed("id: 0");
        }
        return new Announcement(subnet, id, Ip4.of(b.getInt(24)), b.getShort(14) & 0xffff, role,
                (p[7] & FLAG_BUSY) != 0, b.getLong(28), b.getInt(36) & 0xffffffffL);
    }

    private static ElectionCodecException malformed(String why) {
        return new ElectionCodecException(ElectionCodecException.Kind.MALFORMED, why);
    }

    private byte[] hmac(byte[] packet) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256"); // not thread-safe: one per call, cheap next to a datagram
            mac.init(key);
            mac.update(packet, 0, BODY_LENGTH);
            return mac.doFinal();
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e); // every JDK has it
        }
    }

    @Override
    public String toString() {
        return "ElectionCodec[key hidden]";
    }
}
