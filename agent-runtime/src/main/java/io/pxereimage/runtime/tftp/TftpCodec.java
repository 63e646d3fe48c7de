package io.pxereimage.runtime.tftp;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Encodes and decodes TFTP packets (RFC 1350 section 5, RFC 2347 option lists). Pure: no I/O, no state.
 *
 * <p>Decoding never reads beyond the readable bytes and reports malformed input as a {@link TftpCodecException}
 * naming the field. Two deliberate tolerances: a request may end in extra NUL padding (seen from some PXE ROMs),
 * and an ERROR message may lack its terminating NUL.
 */
public final class TftpCodec {
    /** Opcode plus block number. */
    public static final int DATA_HEADER_LENGTH = 4;

    private TftpCodec() {
    }

    public static TftpPacket decode(ByteBuf in) throws TftpCodecException {
        if (in.readableBytes() < 2) {
            throw new TftpCodecException("opcode", "datagram shorter than 2 bytes");
        }
        int op = in.readUnsignedShort();
        TftpOpcode opcode = TftpOpcode.valueOf(op);
        if (opcode == null) {
            throw new TftpCodecException("opcode", "unknown opcode " + op);
        }
        switch (opcode) {
            case RRQ:
            case WRQ: {
                String filename = readString(in, "filename");
                if (filename.isEmpty()) {
                    throw new TftpCodecException("filename", "empty");
                }
                String mode = readString(in, "mode");
                Map<String, String> options = readOptions(in, true);
                return opcode == TftpOpcode.RRQ
                        ? new TftpPacket.ReadRequest(filename, mode, options)
                        : new TftpPacket.WriteRequest(filename, mode, options);
            }
            case DATA: {
                int block = readBlock(in);
                byte[] payload = new byte[in.readableBytes()];
                in.readBytes(payload);
                return new TftpPacket.Data(block, payload);
            }
            case ACK:
                // Extra bytes after the block number are ignored: harmless and seen from some embedded stacks.
                return new TftpPacket.Ack(readBlock(in));
            case ERROR: {
                if (in.readableBytes() < 2) {
                    throw new TftpCodecException("error code", "missing");
                }
                int code = in.readUnsignedShort();
                int nul = in.indexOf(in.readerIndex(), in.writerIndex(), (byte) 0);
                int end = nul < 0 ? in.writerIndex() : nul;
                String message = in.toString(in.readerIndex(), end - in.readerIndex(), StandardCharsets.UTF_8);
                in.readerIndex(nul < 0 ? end : end + 1);
                return new TftpPacket.Error(TftpErrorCode.valueOf(code), message);
            }
            case OACK:
                return new TftpPacket.OptionAck(readOptions(in, false));
            default:
                throw new TftpCodecException("opcode", "unhandled " + opcode);
        }
    }

    public static ByteBuf encode(TftpPacket packet, ByteBufAllocator alloc) {
        ByteBuf out = alloc.buffer(estimate(packet));
        encode(packet, out);
        return out;
    }

    public static void encode(TftpPacket packet, ByteBuf out) {
        out.writeShort(packet.opcode().code());
        if (packet instanceof TftpPacket.Request r) {
            writeString(out, r.filename());
            writeString(out, r.mode());
            writeOptions(out, r.options());
        } else if (packet instanceof TftpPacket.Data d) {
            out.writeShort(d.block());
            out.writeBytes(d.payload());
        } else if (packet instanceof TftpPacket.Ack a) {
            out.writeShort(a.block());
        } else if (packet instanceof TftpPacket.Error e) {
            out.writeShort(e.code().code());
            writeString(out, e.message());
        } else if (packet instanceof TftpPacket.OptionAck o) {
            writeOptions(out, o.options());
        }
    }

    /** Writes the 4-byte DATA header; the caller appends the payload (read straight from the file). */
    public static void writeDataHeader(ByteBuf out, int block) {
        out.writeShort(TftpOpcode.DATA.code());
        out.writeShort(block & 0xFFFF);
    }

    private static int readBlock(ByteBuf in) throws TftpCodecException {
        if (in.readableBytes() < 2) {
            throw new TftpCodecException("block", "missing");
        }
        return in.readUnsignedShort();
    }

    private static Map<String, String> readOptions(ByteBuf in, boolean allowPadding) throws TftpCodecException {
        Map<String, String> options = new LinkedHashMap<>();
        while (in.isReadable()) {
            if (allowPadding && allZero(in)) {
                in.skipBytes(in.readableBytes());
                break;
            }
            String name = readString(in, "option name");
            if (name.isEmpty()) {
                throw new TftpCodecException("option name", "empty");
            }
            String value = readString(in, "option " + name);
            options.putIfAbsent(name.toLowerCase(java.util.Locale.ROOT), value);
        }
        return options;
    }

    private static boolean allZero(ByteBuf in) {
        return in.forEachByte(in.readerIndex(), in.readableBytes(), b -> b == 0) < 0;
    }

    private static String readString(ByteBuf in, String field) throws TftpCodecException {
        int nul = in.indexOf(in.readerIndex(), in.writerIndex(), (byte) 0);
        if (nul < 0) {
            throw new TftpCodecException(field, "missing NUL terminator");
        }
        String s = in.toString(in.readerIndex(), nul - in.readerIndex(), StandardCharsets.UTF_8);
        in.readerIndex(nul + 1);
        return s;
    }

    private static void writeString(ByteBuf out, String s) {
        out.writeCharSequence(s, StandardCharsets.UTF_8);
        out.writeByte(0);
    }

    private static void writeOptions(ByteBuf out, Map<String, String> options) {
        options.forEach((k, v) -> {
            writeString(out, k);
            writeString(out, v);
        });
    }

    private static int estimate(TftpPacket packet) {
        if (packet instanceof TftpPacket.Data d) {
            return DATA_HEADER_LENGTH + d.payload().length;
        }
        return 128;
    }
}
