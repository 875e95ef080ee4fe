package dev.templatelab.tuning.execution;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

/** Reads and writes {@link TuningSettings} rows ({@code experiment_tuning}, Flyway V2). */
@Repository
public class TuningSettingsStore {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final JdbcTemplate jdbc;

    TuningSettingsStore(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** Stores the settings of a new experiment (inside the caller's transaction). */
    public void insert(long experimentId, TuningSettings settings) {
        try {
            jdbc.update("INSERT INTO experiment_tuning (experiment_id, seed, settings) VALUES (?, ?, CAST(? AS jsonb))",
                    experimentId, settings.seed(), JSON.writeValueAsString(settings));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether the tuner created the experiment (it has settings), without reading them. */
    public boolean exists(long experimentId) {
        return Boolean.TRUE.equals(jdbc.queryForObject(
                "SELECT EXISTS (SELECT 1 FROM experiment_tuning WHERE experiment_id = ?)", Boolean.class, experimentId));
    }

    /** The settings of an experiment, or empty if it was not created by the tuner. */
    public Optional<TuningSettings> find(long experimentId) {
        List<String> rows = jdbc.queryForList("SELECT settings::text FROM experiment_tuning WHERE experiment_id = ?",
                String.class, experimentId);
        if (rows.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readValue(rows.get(0), TuningSettings.class));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("experiment " + experimentId + " has unreadable tuning settings: "
                    + e.getOriginalMessage(), e);
        }
    }
}
