package io.pxereimage.protocol;

/** The runtime's answer to a valid registration; {@code sessionToken} authenticates every later agent call. */
public record RegisterResponse(String agentId, String sessionToken, String machine, int pollSeconds) {

    /** Never prints the token. */
    @Override
    public String toString() {
        return "RegisterResponse[agentId=" + agentId + ", sessionToken=***, machine=" + machine + ", pollSeconds="
                + pollSeconds + "]";
    }
}
