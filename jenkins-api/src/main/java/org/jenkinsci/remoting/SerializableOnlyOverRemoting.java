package org.jenkinsci.remoting;

import java.io.Serializable;

/** Shape only: Jenkins remoting's marker; its members are not part of this stand-in. */
public interface SerializableOnlyOverRemoting extends Serializable {
}
