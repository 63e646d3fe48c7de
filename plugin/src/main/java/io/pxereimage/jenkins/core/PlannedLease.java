package io.pxereimage.jenkins.core;

import java.util.concurrent.CompletableFuture;

/**
 * One machine on its way to becoming a node (Jenkins' {@code PlannedNode}): its node name is fixed at once, the
 * future completes when the lease is {@code ready} (the image's OS is up and about to start the agent), or
 * completes exceptionally with the runtime's reason ({@link ProvisioningException}).
 */
public record PlannedLease(String nodeName, Template template, CompletableFuture<Ready> ready) {

    /** A ready lease: what the node needs to know about its machine. */
    public record Ready(String nodeName, Template template, String leaseId, String machine) {
    }

    /** Why a lease did not become ready; the message is the runtime's or the provisioner's reason. */
    public static final class ProvisioningException extends Exception {
        private static final long serialVersionUID = 1L;

        public ProvisioningException(String message) {
            super(message);
        }
    }
}
