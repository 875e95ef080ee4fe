package dev.templatelab.storage.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.templatelab.storage.contract.StorageContractTest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/** Errors of a real database connection that dies mid-transaction, as it does when PostgreSQL restarts. */
class DatabaseErrorsTest extends StorageContractTest {

    @Autowired PlatformTransactionManager transactionManager;
    @Autowired DataSource dataSource;
    @Autowired JdbcTemplate jdbc;

    @Test
    void aTransactionWhoseConnectionDiesFailsWithAConnectionProblem() {
        TransactionTemplate transaction = new TransactionTemplate(transactionManager);
        RuntimeException thrown = catchThrowableOfType(() -> transaction.executeWithoutResult(status -> {
            int pid = jdbc.queryForObject("SELECT pg_backend_pid()", Integer.class);
            terminateFromAnotherConnection(pid);
            jdbc.queryForObject("SELECT 1", Integer.class);
        }), RuntimeException.class);

        assertThat(thrown).as("the statement fails on the dead connection").isNotNull();
        // What surfaces is the failed rollback on the connection the pool closed, not the statement's error.
        assertThat(DatabaseErrors.isConnectionProblem(thrown)).as("%s", thrown).isTrue();
        assertThat(jdbc.queryForObject("SELECT 1", Integer.class)).as("the pool recovers").isEqualTo(1);
    }

    @Test
    void aFailingStatementOnALiveConnectionIsNotAConnectionProblem() {
        TransactionTemplate transaction = new TransactionTemplate(transactionManager);
        RuntimeException thrown = catchThrowableOfType(() -> transaction.executeWithoutResult(
                status -> jdbc.queryForObject("SELECT 1 / 0", Integer.class)), RuntimeException.class);

        assertThat(thrown).isNotNull();
        assertThat(DatabaseErrors.isConnectionProblem(thrown)).as("%s", thrown).isFalse();
    }

    private void terminateFromAnotherConnection(int pid) {
        try (Connection other = dataSource.getConnection();
             PreparedStatement terminate = other.prepareStatement("SELECT pg_terminate_backend(?)")) {
            terminate.setInt(1, pid);
            terminate.execute();
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
