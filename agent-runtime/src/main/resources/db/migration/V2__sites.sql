-- Sites: runtimes at different places sharing this database, each driving the machines of its boot networks
-- (machines.owner is the site's name). A site writes its heartbeat every few seconds; any other runtime marks a
-- site whose heartbeat is older than the site's own timeout unreachable (docs/sites.md). Idempotent like V1.

CREATE TABLE IF NOT EXISTS sites (
    name              VARCHAR(128) PRIMARY KEY,
    heartbeat         BIGINT NOT NULL,
    -- the site declares how long others wait for its heartbeat before they call it unreachable
    timeout_ms        BIGINT NOT NULL,
    started           BIGINT NOT NULL,
    -- set by the runtime that noticed the silence, cleared by the site's next heartbeat
    unreachable_since BIGINT
);

-- The site whose machine a lease was granted (the one that provisions it), and the site it was asked at.
ALTER TABLE leases ADD COLUMN IF NOT EXISTS site VARCHAR(128);
ALTER TABLE leases ADD COLUMN IF NOT EXISTS origin VARCHAR(128);

CREATE INDEX IF NOT EXISTS machines_owner ON machines (owner);
