package dev.templatelab.storage.operations;

import java.time.Duration;
import javax.sql.DataSource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;

/**
 * Read-only numbers about the whole installation for operators (metrics, health). One SQL round trip,
 * computed with the database's clock so workers on other machines with skewed clocks don't distort ages.
 */
@Service
public class OperationsService {

    private static final String SNAPSHOT = """
            SELECT
              (SELECT count(*) FROM trials WHERE state = 'WAITING'),
              (SELECT count(*) FROM trials WHERE state = 'RUNNING'),
              (SELECT coalesce(extract(epoch FROM now() - min(created_at)), 0) FROM trials WHERE state = 'WAITING'),
              (SELECT count(DISTINCT worker_id) FROM trials
                 WHERE state = 'RUNNING' AND heartbeat_at > now() - make_interval(secs => ?)),
              (SELECT coalesce(extract(epoch FROM now() - min(heartbeat_at)), 0) FROM trials WHERE state = 'RUNNING'),
              (SELECT count(*) FROM trial_metrics)
            """;

    private final JdbcTemplate jdbc;

    public OperationsService(DataSource dataSource) {
        this.jdbc = new JdbcTemplate(dataSource);
    }

    /** The queue now; a worker counts as active when it heartbeated within {@code activeWindow}. */
    public QueueSnapshot snapshot(Duration activeWindow) {
        return jdbc.queryForObject(SNAPSHOT, (rs, i) -> new QueueSnapshot(rs.getLong(1), rs.getLong(2),
                rs.getDouble(3), rs.getLong(4), rs.getDouble(5), rs.getLong(6)), activeWindow.toMillis() / 1000.0);
    }
}
