"""The PostgreSQL backend of the Store protocol, for teams past one host.

Selected with `--database URL` / `APPEALS_DATABASE_URL`. Identity is the
authenticated database role; rights are enforced by PostgreSQL grants and
triggers as well as by the services (see `migrations`)."""
