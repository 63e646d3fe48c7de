package io.pxereimage.runtime.power;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Wake-on-LAN: can only switch a machine on. The machine must be set to boot from the network. */
public final class WolDriver implements PowerDriver {
    private static final Logger LOG = LoggerFactory.getLogger(WolDriver.class);
    private final byte[] mac;
    private final InetSocketAddress target;

    public WolDriver(String mac, InetSocketAddress target) {
        this.mac = parseMac(mac);
        this.target = target;
    }

    public WolDriver(String mac) {
        this(mac, new InetSocketAddress("255.255.255.255", 9));
    }

    static byte[] parseMac(String mac) {
        String[] parts = mac.split("[:-]");
        if (parts.length != 6) {
            throw new IllegalArgumentException("not a MAC address: " + mac);
        }
        byte[] b = new byte[6];
        for (int i = 0; i < 6; i++) {
            b[i] = (byte) Integer.parseInt(parts[i], 16);
        }
        return b;
    }

    /** 6 x 0xFF then the MAC 16 times. */
    public static byte[] magicPacket(byte[] mac) {
        byte[] p = new byte[6 + 16 * 6];
        for (int i = 0; i < 6; i++) {
            p[i] = (byte) 0xFF;
        }
        for (int i = 0; i < 16; i++) {
            System.arraycopy(mac, 0, p, 6 + i * 6, 6);
        }
        return p;
    }

    @Override
    public void on() throws PowerException {
        byte[] p = magicPacket(mac);
        try (DatagramSocket s = new DatagramSocket()) {
            s.setBroadcast(true);
            s.send(new DatagramPacket(p, p.length, target));
        } catch (IOException e) {
            throw new PowerException(PowerException.Kind.UNREACHABLE,
                    "cannot send Wake-on-LAN packet to " + target + ": " + e.getMessage(), e);
        }
    }

    @Override
    public State status() {
        return State.UNKNOWN;
    }

    @Override
    public void off() throws PowerException {
        throw unsupported("off");
    }

    @Override
    public void cycle() throws PowerException {
        throw unsupported("cycle");
    }

    @Override
    public void bootPxeOnce() {
        LOG.info("Wake-on-LAN cannot choose the boot device: the machine must be set to boot from the network");
    }

    private static PowerException unsupported(String op) {
        return new PowerException(PowerException.Kind.UNSUPPORTED, "Wake-on-LAN cannot power " + op);
    }
}
