package org.springframework.security.access;

/** Shape only: Spring Security's unchecked exception named in Jenkins' permission checks. */
public class AccessDeniedException extends RuntimeException {
    public AccessDeniedException(String msg) { throw new UnsupportedOperationException("compile-only stand-in"); }
}
