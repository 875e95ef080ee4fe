package dev.templatelab.storage.metrics;

import jakarta.annotation.PreDestroy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.env.Environment;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.stereotype.Component;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Buffers per-epoch metric rows from every worker thread of this process and writes them in bulk:
 * one multi-row {@code INSERT ... ON CONFLICT (trial_id, epoch) DO NOTHING} per up to
 * {@value #MAX_ROWS_PER_STATEMENT} rows, when {@code flushRows} rows are waiting or every
 * {@code flushInterval}, and on {@link #flush()} / {@link #close()}. A hundred workers reporting an
 * epoch each thus cost a statement or two instead of a hundred transactions, and a re-sent epoch is
 * ignored. Settings: {@code templatelab.metrics.flush-rows} (default 500),
 * {@code templatelab.metrics.flush-interval} (default 1s).
 */
@Component
public class MetricWriter implements AutoCloseable {

    /** 10 parameters a row: 1,000 rows stay far below PostgreSQL's 32,767 bind parameters. */
    static final int MAX_ROWS_PER_STATEMENT = 1000;
    private static final String COLUMNS = "(trial_id, epoch, train_loss, val_loss, val_accuracy, val_macro_f1, "
            + "learning_rate, images_per_second, val_map, recorded_at)";
    private static final String FOREIGN_KEY_VIOLATION = "23503";
    private static final Logger log = LoggerFactory.getLogger(MetricWriter.class);

    private final DataSource dataSource;
    private final int flushRows;
    private final Duration flushInterval;

    private final ReentrantLock bufferLock = new ReentrantLock();
    private final Condition flushWanted = bufferLock.newCondition();
    private List<PendingRow> buffer = new ArrayList<>();
    /** Held while rows are written, so flush() also waits for rows the background thread took. */
    private final ReentrantLock writeLock = new ReentrantLock();
    private final Thread flusher;
    private volatile boolean closed;
    /** Rows are numbered as they arrive; every row numbered up to this one is in the table. */
    private long nextSequence = 1;
    private volatile long writtenUpTo;
    /** Sequence number of each trial's newest queued row, until that row is written. */
    private final Map<Long, Long> newestQueuedRow = new java.util.concurrent.ConcurrentHashMap<>();

    private final AtomicLong rowsSubmitted = new AtomicLong();
    private final AtomicLong rowsInserted = new AtomicLong();
    private final AtomicLong rowsIgnored = new AtomicLong();
    private final AtomicLong rowsDropped = new AtomicLong();
    private final AtomicLong statements = new AtomicLong();
    private final AtomicLong flushes = new AtomicLong();

    @Autowired
    MetricWriter(DataSource dataSource, Environment env) {
        this(dataSource, env.getProperty("templatelab.metrics.flush-rows", Integer.class, 500),
                env.getProperty("templatelab.metrics.flush-interval", Duration.class, Duration.ofSeconds(1)));
    }

    /** A writer that flushes at {@code flushRows} waiting rows or every {@code flushInterval}. */
    public MetricWriter(DataSource dataSource, int flushRows, Duration flushInterval) {
        if (flushRows < 1 || flushInterval.isNegative() || flushInterval.isZero()) {
            throw new IllegalArgumentException("flushRows must be >= 1 and flushInterval > 0, got "
                    + flushRows + " and " + flushInterval);
        }
        this.dataSource = dataSource;
        this.flushRows = flushRows;
        this.flushInterval = flushInterval;
        this.flusher = new Thread(this::flushLoop, "templatelab-metric-writer");
        this.flusher.setDaemon(true);
        this.flusher.start();
    }

    /** Queues one epoch of one trial; returns at once (blocks only if the database falls far behind). */
    public void add(long trialId, EpochMetrics metrics) {
        if (closed) {
            throw new IllegalStateException("metric writer is closed");
        }
        int waiting;
        bufferLock.lock();
        try {
            PendingRow row = new PendingRow(nextSequence++, trialId, metrics, Instant.now());
            buffer.add(row);
            newestQueuedRow.put(trialId, row.sequence);
            waiting = buffer.size();
            if (waiting >= flushRows) {
                flushWanted.signal();
            }
        } finally {
            bufferLock.unlock();
        }
        rowsSubmitted.incrementAndGet();
        if (waiting >= 10 * flushRows) {
            flush();   // back-pressure: the background thread cannot keep up
        }
    }

    /** Writes every row queued so far (including rows the background thread is writing) before returning. */
    public void flush() {
        writeLock.lock();
        try {
            writeBatch(drain());
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * Returns once every row queued for {@code trialId} is written. When many trials finish at once,
     * the first call writes everyone's rows and the others find theirs already done (group commit).
     */
    public void flush(long trialId) {
        Long newest = newestQueuedRow.get(trialId);
        if (newest == null || newest <= writtenUpTo) {
            return;
        }
        writeLock.lock();
        try {
            if (newest > writtenUpTo) {
                writeBatch(drain());
            }
        } finally {
            writeLock.unlock();
        }
    }

    /** Counters for monitoring and tests. */
    public MetricWriterStats stats() {
        return new MetricWriterStats(rowsSubmitted.get(), rowsInserted.get(), rowsIgnored.get(), rowsDropped.get(),
                statements.get(), flushes.get());
    }

    /** Stops the background thread after writing what is queued. */
    @Override
    @PreDestroy
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        flusher.interrupt();
        try {
            flusher.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        flush();
    }

    private void flushLoop() {
        while (!closed) {
            bufferLock.lock();
            try {
                if (buffer.size() < flushRows) {
                    flushWanted.await(flushInterval.toNanos(), TimeUnit.NANOSECONDS);
                }
            } catch (InterruptedException e) {
                return;   // close() flushes what is left
            } finally {
                bufferLock.unlock();
            }
            try {
                flush();
            } catch (RuntimeException e) {
                log.warn("Writing metrics failed; the rows stay queued for the next try: {}", e.getMessage());
            }
        }
    }

    private List<PendingRow> drain() {
        bufferLock.lock();
        try {
            List<PendingRow> rows = buffer;
            buffer = new ArrayList<>();
            return rows;
        } finally {
            bufferLock.unlock();
        }
    }

    private void requeue(List<PendingRow> rows) {
        bufferLock.lock();
        try {
            rows.addAll(buffer);
            buffer = new ArrayList<>(rows);
        } finally {
            bufferLock.unlock();
        }
    }

    private void writeBatch(List<PendingRow> rows) {
        if (rows.isEmpty()) {
            return;
        }
        // One row per (trial, epoch), sorted: no duplicate keys in a statement, and concurrent writers
        // (other processes) take row locks in the same order, so they cannot deadlock.
        Map<Key, PendingRow> unique = new LinkedHashMap<>();
        for (PendingRow r : rows) {
            unique.putIfAbsent(new Key(r.trialId, r.metrics.epoch()), r);
        }
        List<PendingRow> sorted = new ArrayList<>(unique.values());
        sorted.sort(Comparator.comparingLong(PendingRow::trialId).thenComparingInt(r -> r.metrics.epoch()));
        rowsIgnored.addAndGet(rows.size() - sorted.size());
        int written = 0;
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(true);
            while (written < sorted.size()) {
                List<PendingRow> chunk = sorted.subList(written,
                        Math.min(sorted.size(), written + MAX_ROWS_PER_STATEMENT));
                try {
                    int inserted = insert(c, chunk);
                    rowsInserted.addAndGet(inserted);
                    rowsIgnored.addAndGet(chunk.size() - inserted);
                } catch (SQLException e) {
                    if (!FOREIGN_KEY_VIOLATION.equals(e.getSQLState())) {
                        throw e;
                    }
                    insertOneByOne(c, chunk);   // a trial was deleted: keep the others' rows
                }
                written += chunk.size();
            }
            flushes.incrementAndGet();
            long highest = 0;
            for (PendingRow r : rows) {
                highest = Math.max(highest, r.sequence);
                newestQueuedRow.remove(r.trialId, r.sequence);
            }
            // Rows are drained in arrival order under the write lock, so all lower numbers are written too.
            writtenUpTo = Math.max(writtenUpTo, highest);
        } catch (SQLException e) {
            List<PendingRow> unwritten = new ArrayList<>(sorted.subList(written, sorted.size()));
            requeue(unwritten);
            throw new DataAccessResourceFailureException("could not write " + unwritten.size() + " metric rows: "
                    + e.getMessage(), e);
        }
    }

    private int insert(Connection c, List<PendingRow> chunk) throws SQLException {
        StringBuilder sql = new StringBuilder(64 + chunk.size() * 22).append("INSERT INTO trial_metrics ")
                .append(COLUMNS).append(" VALUES ");
        for (int i = 0; i < chunk.size(); i++) {
            sql.append(i == 0 ? "" : ",").append("(?,?,?,?,?,?,?,?,?,?)");
        }
        sql.append(" ON CONFLICT (trial_id, epoch) DO NOTHING");
        try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
            int p = 1;
            for (PendingRow r : chunk) {
                p = bind(ps, p, r);
            }
            statements.incrementAndGet();
            return ps.executeUpdate();
        }
    }

    private void insertOneByOne(Connection c, List<PendingRow> chunk) throws SQLException {
        for (PendingRow r : chunk) {
            try {
                int inserted = insert(c, List.of(r));
                rowsInserted.addAndGet(inserted);
                rowsIgnored.addAndGet(1 - inserted);
            } catch (SQLException e) {
                if (!FOREIGN_KEY_VIOLATION.equals(e.getSQLState())) {
                    throw e;
                }
                rowsDropped.incrementAndGet();
                log.warn("Dropped metrics of epoch {} for trial {}: the trial does not exist", r.metrics.epoch(),
                        r.trialId);
            }
        }
    }

    private static int bind(PreparedStatement ps, int p, PendingRow r) throws SQLException {
        EpochMetrics m = r.metrics;
        ps.setLong(p++, r.trialId);
        ps.setInt(p++, m.epoch());
        for (Double v : new Double[] {m.trainLoss(), m.valLoss(), m.valAccuracy(), m.valMacroF1(),
                m.learningRate(), m.imagesPerSecond(), m.valMap()}) {
            if (v == null) {
                ps.setNull(p++, Types.DOUBLE);
            } else {
                ps.setDouble(p++, v);
            }
        }
        ps.setObject(p++, OffsetDateTime.ofInstant(r.reportedAt, ZoneOffset.UTC));
        return p;
    }

    private record PendingRow(long sequence, long trialId, EpochMetrics metrics, Instant reportedAt) {
    }

    private record Key(long trialId, int epoch) {
    }
}
