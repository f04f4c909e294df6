#!/usr/bin/env bash
# One database and one login role per app, each role reaching only its own database.
#
# In docker-compose.yml the postgres image runs this once, when its data volume is first
# initialised (mounted into /docker-entrypoint-initdb.d). Against an external server (Kubernetes)
# an administrator runs it by hand with the usual libpq variables:
#   PGHOST=db.example.org PGUSER=admin STYRKEDJAN_SECRETS_DIR=./secrets deploy/postgres/create-databases.sh
# It is idempotent: a second run creates nothing new and only resets the passwords.
#
# Environment:
#   STYRKEDJAN_SECRETS_DIR   folder with one file per app, <app>_db_password (default /run/secrets)
#   STYRKEDJAN_DATABASES     the apps (default: gateway goals budget followup internal_control)
#   STYRKEDJAN_DB_PREFIX     prefix of database and role names (default styrkedjan_)
#   STYRKEDJAN_REVOKE_MAINTENANCE_CONNECT=1
#                            also revoke PUBLIC's CONNECT on the maintenance databases
#                            (postgres, template1): for a server that serves only Styrkedjan
#   POSTGRES_USER, POSTGRES_DB  the administrator and database to connect as (set by the image)
#
# Role = database name, e.g. styrkedjan_goals owns styrkedjan_goals. Each role: LOGIN, no
# superuser, no CREATEDB, no CREATEROLE; it owns its database and that database's public schema
# (so its migration job can create tables); PUBLIC may not connect to, or create temporary tables
# in, any of these databases, and may not create objects in their public schema.
set -euo pipefail

secrets_dir="${STYRKEDJAN_SECRETS_DIR:-/run/secrets}"
apps="${STYRKEDJAN_DATABASES:-gateway goals budget followup internal_control}"
prefix="${STYRKEDJAN_DB_PREFIX:-styrkedjan_}"
admin_db="${POSTGRES_DB:-postgres}"

psql_admin() {
  psql -v ON_ERROR_STOP=1 --no-psqlrc --quiet --username "${POSTGRES_USER:-postgres}" "$@"
}

for app in $apps; do
  password_file="${secrets_dir}/${app}_db_password"
  if [[ ! -s "$password_file" ]]; then
    echo "create-databases: missing or empty password file ${password_file}" >&2
    exit 1
  fi
  # Read the password without the trailing newline that editors and `echo` leave.
  password="$(tr -d '\r\n' < "$password_file")"
  name="${prefix}${app}"

  # Names and password go in as psql variables, quoted by format(%I/%L), never spliced into SQL.
  psql_admin --dbname "$admin_db" -v name="$name" -v password="$password" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'name')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'name') \gexec
SELECT format('ALTER ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD %L', :'name', :'password') \gexec
SELECT format('CREATE DATABASE %I OWNER %I ENCODING %L TEMPLATE template0', :'name', :'name', 'UTF8')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'name') \gexec
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'name') \gexec
SELECT format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I', :'name', :'name') \gexec
SQL

  # Inside the new database: the role owns the public schema, PUBLIC cannot create in it
  # (the default from PostgreSQL 15 on; stated for older servers).
  psql_admin --dbname "$name" -v name="$name" <<'SQL'
SELECT format('ALTER SCHEMA public OWNER TO %I', :'name') \gexec
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
SQL
  echo "create-databases: ${name} ready"
done

if [[ "${STYRKEDJAN_REVOKE_MAINTENANCE_CONNECT:-0}" == "1" ]]; then
  psql_admin --dbname "$admin_db" <<'SQL'
REVOKE CONNECT ON DATABASE postgres FROM PUBLIC;
REVOKE CONNECT ON DATABASE template1 FROM PUBLIC;
SQL
fi
