package dev.templatelab.storage.config;

import java.sql.SQLException;

/**
 * Tells a lost database connection (refused, dropped, timed out, server shutting down) from other database
 * errors, for callers that wait out a PostgreSQL restart instead of failing their work. Retrying is only right
 * for these: a constraint violation or a bad query fails again.
 */
public final class DatabaseErrors {

    private DatabaseErrors() {
    }

    /** Whether {@code error}, or any of its causes, says the database could not be reached. */
    public static boolean isConnectionProblem(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof org.springframework.dao.DataAccessResourceFailureException
                    || t instanceof org.springframework.transaction.CannotCreateTransactionException
                    || t instanceof java.sql.SQLTransientConnectionException
                    || t instanceof java.net.ConnectException) {
                return true;
            }
            if (t instanceof SQLException sql && sql.getSQLState() != null
                    && (sql.getSQLState().startsWith("08") || sql.getSQLState().startsWith("57P"))) {
                return true;   // connection exception, or the server is shutting down
            }
            // A statement that lost its connection makes the pool close it; rolling the transaction back then
            // fails with a state-less "Connection is closed", and Spring throws that instead of the first error.
            if (t instanceof org.hibernate.TransactionException && t.getCause() instanceof SQLException sql
                    && sql.getSQLState() == null) {
                return true;
            }
        }
        return false;
    }
}
