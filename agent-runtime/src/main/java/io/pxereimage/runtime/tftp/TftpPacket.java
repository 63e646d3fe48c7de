package io.pxereimage.runtime.tftp;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * An immutable TFTP packet (RFC 1350 section 5, OACK from RFC 2347). Option names are stored lower-case because
 * RFC 2347 makes them case-insensitive; the maps keep the order of the wire.
 */
public sealed interface TftpPacket {

    TftpOpcode opcode();

    /** RRQ or WRQ: the fields both requests share. */
    sealed interface Request extends TftpPacket {
        String filename();

        String mode();

        Map<String, String> options();
    }

    record ReadRequest(String filename, String mode, Map<String, String> options) implements Request {
        public ReadRequest {
            Objects.requireNonNull(filename, "filename");
            mode = mode.toLowerCase(Locale.ROOT);
            options = immutableOptions(options);
        }

        @Override
        public TftpOpcode opcode() {
            return TftpOpcode.RRQ;
        }
    }

    record WriteRequest(String filename, String mode, Map<String, String> options) implements Request {
        public WriteRequest {
            Objects.requireNonNull(filename, "filename");
            mode = mode.toLowerCase(Locale.ROOT);
            options = immutableOptions(options);
        }

        @Override
        public TftpOpcode opcode() {
            return TftpOpcode.WRQ;
        }
    }

    /** A DATA packet; block is the 16-bit wire number (0..65535). The payload is copied in and out. */
    record Data(int block, byte[] payload) implements TftpPacket {
        public Data {
            checkBlock(block);
            payload = payload.clone();
        }

        @Override
        public byte[] payload() {
            return payload.clone();
        }

        @Override
        public TftpOpcode opcode() {
            return TftpOpcode.DATA;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Data d && d.block == block && Arrays.equals(d.payload, payload);
        }

        @Override
        public int hashCode() {
            return 31 * block + Arrays.hashCode(payload);
        }

        @Override
        public String toString() {
            return "Data[block=" + block + ", length=" + payload.length + "]";
        }
    }

    record Ack(int block) implements TftpPacket {
        public Ack {
            checkBlock(block);
        }

        @Override
        public TftpOpcode opcode() {
            return TftpOpcode.ACK;
        }
    }

    record Error(TftpErrorCode code, String message) implements TftpPacket {
        public Error {
            Objects.requireNonNull(code, "code");
            Objects.requireNonNull(message, "message");
        }

        @Override
        public TftpOpcode opcode() {
            return TftpOpcode.ERROR;
        }
    }

    record OptionAck(Map<String, String> options) implements TftpPacket {
        public OptionAck {
            options = immutableOptions(options);
        }

        @Override
        public TftpOpcode opcode() {
            return TftpOpcode.OACK;
        }
    }

    private static Map<String, String> immutableOptions(Map<String, String> options) {
        Map<String, String> copy = new LinkedHashMap<>();
        options.forEach((k, v) -> copy.putIfAbsent(k.toLowerCase(Locale.ROOT), Objects.requireNonNull(v, k)));
        return Collections.unmodifiableMap(copy);
    }

    private static void checkBlock(int block) {
        if (block < 0 || block > 0xFFFF) {
            throw new IllegalArgumentException("block out of range 0..65535: " + block);
        }
    }
}
