package io.pxereimage.protocol;

/** {@code POST /api/v1/agent/register}: the one-time boot token from the kernel command line, and the inventory. */
public record RegisterRequest(String mac, String token, Inventory inventory) {

    /** Never prints the token. */
    @Override
    public String toString() {
        return "RegisterRequest[mac=" + mac + ", token=***, inventory=" + inventory + "]";
    }
}
