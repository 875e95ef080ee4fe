-- Users of the web UI and REST API, in the layout Spring Security's JdbcUserDetailsManager reads.
-- Each user holds every role its role implies (admin: ADMIN, OPERATOR, VIEWER).
CREATE TABLE users (
    username VARCHAR(50) PRIMARY KEY,
    password VARCHAR(500) NOT NULL,
    enabled  BOOLEAN      NOT NULL
);

CREATE TABLE authorities (
    username  VARCHAR(50) NOT NULL REFERENCES users (username) ON DELETE CASCADE,
    authority VARCHAR(50) NOT NULL
);

CREATE UNIQUE INDEX ix_authorities_username ON authorities (username, authority);
