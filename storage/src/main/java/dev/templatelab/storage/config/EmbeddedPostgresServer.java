package dev.templatelab.storage.config;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A real PostgreSQL 17 server (zonky's embedded binaries) whose data live in
 * {@code <dir>/data} and survive restarts. The port is remembered in {@code <dir>/port} so the
 * database keeps its address (handy for {@code psql}) unless that port is taken. Run as root, zonky
 * starts the server in a user namespace where it is {@code nobody}; files stay owned by the caller.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {

    /** The database TemplateLab creates and uses inside the embedded server. */
    public static final String DATABASE = "templatelab";
    /** The embedded server's superuser (trust authentication, localhost only). */
    public static final String USER = "postgres";

    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgresServer.class);

    private final EmbeddedPostgres postgres;
    private final Path dataDirectory;

    private EmbeddedPostgresServer(EmbeddedPostgres postgres, Path dataDirectory) {
        this.postgres = postgres;
        this.dataDirectory = dataDirectory;
    }

    /** Starts (and on first use initialises) the server kept under {@code directory}. */
    public static EmbeddedPostgresServer start(Path directory) {
        Path data = directory.resolve("data");
        try {
            Files.createDirectories(directory);
            if (!Files.isWritable(directory)) {
                throw new IllegalStateException("embedded PostgreSQL needs a writable directory, but " + directory
                        + " is not writable; set TEMPLATELAB_HOME to a writable folder or DATABASE_URL to a server");
            }
            Path portFile = directory.resolve("port");
            Integer remembered = rememberedPort(portFile);
            // The port file is rewritten, and a move reported, only once this server runs: a second process on this
            // home (its port taken by the first) is refused by zonky's lock below and leaves both alone.
            int port = remembered != null && isFree(remembered) ? remembered : freePort();
            EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                    .setDataDirectory(data)
                    .setCleanDataDirectory(false)
                    .setPort(port)
                    .setPGStartupWait(Duration.ofSeconds(60))   // initdb + start on a busy 2-core box
                    // zonky's defaults are a test database's (fsync and synchronous_commit off): a power cut could
                    // lose committed trials or corrupt the data. This database is the user's record: durable.
                    .setServerConfig("fsync", "on")
                    .setServerConfig("synchronous_commit", "on")
                    .setServerConfig("full_page_writes", "on")
                    // zonky's own JVM hook would stop the server while Spring's hook is still stopping the workers
                    // (they hand their trials back through the database); the application context closes it last.
                    .setRegisterShutdownHook(false)
                    // A server left running by a JVM that died (kill -9) still holds the data directory.
                    .setDataDirectoryCustomizer(dir -> stopOrphanedServer(dir.toPath()))
                    .start();
            EmbeddedPostgresServer server = new EmbeddedPostgresServer(postgres, data);
            if (remembered == null || remembered != port) {
                if (remembered != null) {
                    log.warn("Embedded PostgreSQL's port {} was taken; it listens on {} now", remembered, port);
                }
                try {
                    Files.writeString(portFile, port + "\n");
                } catch (IOException e) {   // only the address changes next time: not worth stopping a running server
                    log.warn("Could not write {}: {}", portFile, e.toString());
                }
            }
            server.createDatabaseIfMissing();
            log.info("Embedded PostgreSQL on port {} with data in {}", port, data);
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("could not start embedded PostgreSQL in " + data + ": " + e.getMessage(), e);
        } catch (IllegalStateException e) {
            // zonky locks the data directory ("could not lock .../epg-lock"; overlapping within one JVM): one process
            // at a time may run it
            if (!(e instanceof java.nio.channels.OverlappingFileLockException)
                    && !String.valueOf(e.getMessage()).startsWith("could not lock")) {
                throw e;
            }
            throw new IllegalStateException("the embedded PostgreSQL in " + data + " is in use by another TemplateLab "
                    + "process with this TEMPLATELAB_HOME (a running serve, tune or worker); stop it, set "
                    + "TEMPLATELAB_HOME to another folder, or point this command at a PostgreSQL server (--db URL or "
                    + "DATABASE_URL; `serve` on a shared database lets workers join)", e);
        }
    }

    /** JDBC URL of the TemplateLab database, e.g. {@code jdbc:postgresql://localhost:54321/templatelab}. */
    public String jdbcUrl() {
        return "jdbc:postgresql://localhost:" + postgres.getPort() + "/" + DATABASE;
    }

    /** The TCP port the server listens on (localhost only). */
    public int port() {
        return postgres.getPort();
    }

    /** PostgreSQL's data directory. */
    public Path dataDirectory() {
        return dataDirectory;
    }

    /** Stops the server (fast shutdown); the data stay. */
    @Override
    public void close() {
        try {
            postgres.close();
        } catch (IOException e) {
            throw new UncheckedIOException("could not stop embedded PostgreSQL: " + e.getMessage(), e);
        }
    }

    private void createDatabaseIfMissing() {
        DataSource admin = postgres.getPostgresDatabase();
        try (Connection c = admin.getConnection();
             PreparedStatement exists = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
            exists.setString(1, DATABASE);
            try (ResultSet rs = exists.executeQuery()) {
                if (!rs.next()) {
                    try (Statement create = c.createStatement()) {
                        create.execute("CREATE DATABASE " + DATABASE);
                    }
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not create database " + DATABASE + ": " + e.getMessage(), e);
        }
    }

    /** The port used last time, or null if none was written down (or the file is unreadable). */
    private static Integer rememberedPort(Path portFile) throws IOException {
        if (Files.isRegularFile(portFile)) {
            try {
                return Integer.parseInt(Files.readString(portFile).trim());
            } catch (NumberFormatException e) {
                log.warn("Ignoring unreadable {}", portFile);
            }
        }
        return null;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Stops a postmaster still running on {@code dataDir}. Called after zonky has locked the directory,
     * so no live TemplateLab process owns that server: its JVM died without shutting it down.
     */
    static void stopOrphanedServer(Path dataDir) {
        Path pidFile = dataDir.resolve("postmaster.pid");
        if (!Files.isRegularFile(pidFile)) {
            return;
        }
        Optional<ProcessHandle> orphan;
        try {
            List<String> lines = Files.readAllLines(pidFile);
            orphan = lines.isEmpty() ? Optional.empty() : ProcessHandle.of(Long.parseLong(lines.get(0).trim()));
        } catch (IOException | NumberFormatException e) {
            return;   // unreadable pid file: PostgreSQL itself decides whether it is stale
        }
        orphan.filter(ProcessHandle::isAlive)
                .filter(p -> p.info().command().map(cmd -> cmd.endsWith("/postgres")).orElse(false))
                .ifPresent(p -> {
                    log.warn("Stopping orphaned PostgreSQL (pid {}) left running on {}", p.pid(), dataDir);
                    p.destroy();   // SIGTERM: smart shutdown; its clients died with their JVM
                    try {
                        p.onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
                    } catch (Exception e) {
                        p.destroyForcibly();
                    }
                });
    }
}
