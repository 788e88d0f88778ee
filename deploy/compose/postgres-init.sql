-- Runs once, when the compose PostgreSQL volume is empty (docker-entrypoint-initdb.d).
-- One login role and one database per service: a service owns its schema and cannot read another's.
-- Development passwords only; Kubernetes takes its credentials from Secrets (deploy/README.md).

CREATE ROLE lp_auth LOGIN PASSWORD 'lp_auth';
CREATE DATABASE lp_auth OWNER lp_auth;
REVOKE ALL ON DATABASE lp_auth FROM PUBLIC;

CREATE ROLE lp_benchmark LOGIN PASSWORD 'lp_benchmark';
CREATE DATABASE lp_benchmark OWNER lp_benchmark;
REVOKE ALL ON DATABASE lp_benchmark FROM PUBLIC;

CREATE ROLE lp_declaration LOGIN PASSWORD 'lp_declaration';
CREATE DATABASE lp_declaration OWNER lp_declaration;
REVOKE ALL ON DATABASE lp_declaration FROM PUBLIC;

CREATE ROLE lp_certificate LOGIN PASSWORD 'lp_certificate';
CREATE DATABASE lp_certificate OWNER lp_certificate;
REVOKE ALL ON DATABASE lp_certificate FROM PUBLIC;

CREATE ROLE lp_mall LOGIN PASSWORD 'lp_mall';
CREATE DATABASE lp_mall OWNER lp_mall;
REVOKE ALL ON DATABASE lp_mall FROM PUBLIC;

CREATE ROLE lp_notify LOGIN PASSWORD 'lp_notify';
CREATE DATABASE lp_notify OWNER lp_notify;
REVOKE ALL ON DATABASE lp_notify FROM PUBLIC;
