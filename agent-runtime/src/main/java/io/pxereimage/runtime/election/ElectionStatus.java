package io.pxereimage.runtime.election;

import java.util.List;

/**
 * What {@code GET /api/v1/election} shows: this runtime's role, the responder it knows of, and its peers.
 *
 * @param role standby, candidate or responder
 * @param roleForMillis how long it has had that role
 * @param responder the current responder (this runtime or a live peer), null when none is heard
 * @param deadAfterMillis silence after which a peer counts as gone
 * @param failoverMillis the longest time from a responder's last announcement to a successor answering
 */
public record ElectionStatus(String subnet, int port, String role, long roleForMillis, Member self, Member responder,
        List<Member> peers, long waitMillis, long intervalMillis, long deadAfterMillis, long failoverMillis) {

    /**
     * One runtime as last heard.
     *
     * @param heardMillisAgo for peers, since their last accepted announcement; 0 for this runtime
     * @param alive heard within {@code deadAfterMillis}
     */
    public record Member(String id, String address, int weight, String role, boolean busy, long heardMillisAgo,
            boolean alive) {

        static Member of(Announcement a, long heardMillisAgo, boolean alive) {
            return new Member(Long.toUnsignedString(a.id()), a.address().getHostAddress(), a.weight(),
                    a.role().wire(), a.busy(), heardMillisAgo, alive);
        }
    }
}
