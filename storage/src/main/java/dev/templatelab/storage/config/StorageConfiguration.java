package dev.templatelab.storage.config;

import com.zaxxer.hikari.HikariDataSource;
import dev.templatelab.storage.artifacts.ArtifactStore;
import dev.templatelab.storage.artifacts.ArtifactStoreIdentity;
import dev.templatelab.storage.artifacts.LocalArtifactStore;
import org.hibernate.cfg.AvailableSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.domain.EntityScan;
import org.springframework.boot.autoconfigure.orm.jpa.HibernatePropertiesCustomizer;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ComponentScan;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.data.jpa.repository.config.EnableJpaRepositories;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.annotation.EnableTransactionManagement;

import javax.sql.DataSource;

/**
 * TemplateLab storage for a Spring Boot application: {@code @Import(StorageConfiguration.class)}.
 * Provides the {@link DataSource} (embedded PostgreSQL under {@code TEMPLATELAB_HOME/postgres} when
 * {@code DATABASE_URL} is blank, else the server it names), the services of every storage feature,
 * and Hibernate set to validate the Flyway-owned schema. Spring Boot's Flyway and JPA
 * auto-configuration do the rest. Pool settings bind from {@code spring.datasource.hikari.*}.
 *
 * <p>An application with JPA entities or repositories of its own must declare its own
 * {@code @EntityScan}/{@code @EnableJpaRepositories}: the ones here replace Boot's defaults.
 */
@Configuration(proxyBeanMethods = false)
@ComponentScan(basePackages = {  // the feature packages only, never a test's classes under storage.*
        StorageConfiguration.BASE + ".datasets", StorageConfiguration.BASE + ".experiments",
        StorageConfiguration.BASE + ".trials", StorageConfiguration.BASE + ".metrics",
        StorageConfiguration.BASE + ".artifacts", StorageConfiguration.BASE + ".events",
        StorageConfiguration.BASE + ".operations"})
@EnableJpaRepositories(basePackages = StorageConfiguration.BASE)
@EntityScan(basePackages = StorageConfiguration.BASE)
@EnableTransactionManagement
@Import({StorageConfiguration.Embedded.class, StorageConfiguration.External.class})
public class StorageConfiguration {

    static final String BASE = "dev.templatelab.storage";

    /** Environment variable / property naming an external server; blank means embedded. */
    public static final String DATABASE_URL = "DATABASE_URL";
    /** User for {@link #DATABASE_URL} (wins over one inside the URL). */
    public static final String DATABASE_USER = "DATABASE_USER";
    /** Password for {@link #DATABASE_URL} (wins over one inside the URL). */
    public static final String DATABASE_PASSWORD = "DATABASE_PASSWORD";

    private static final Logger log = LoggerFactory.getLogger(StorageConfiguration.class);

    /** Folders for the embedded database and the artifact store. */
    @Bean
    StorageLocations storageLocations(Environment env) {
        return StorageLocations.from(env);
    }

    /**
     * Checkpoints in a directory: {@code templatelab.artifacts.root}, default {@code TEMPLATELAB_HOME/artifacts}. One this
     * process cannot write stops it at start (every trial it took would fail).
     */
    @Bean
    ArtifactStore artifactStore(StorageLocations locations) {
        LocalArtifactStore store = new LocalArtifactStore(locations.artifacts());
        store.checkWritable();
        return store;
    }

    /**
     * Refuses to start on a store folder that is not the one this database's experiments use. Takes the store so that
     * an unwritable folder is reported as such first; the JdbcTemplate waits for Flyway's migrations.
     */
    @Bean
    ArtifactStoreIdentity artifactStoreIdentity(JdbcTemplate jdbc, ArtifactStore store, StorageLocations locations) {
        ArtifactStoreIdentity identity = new ArtifactStoreIdentity(jdbc, locations.artifacts());
        log.info("Artifact store {} (id {})", locations.artifacts(), identity.check());
        return identity;
    }

    /** Flyway owns the schema; Hibernate only checks that the entities match it. */
    @Bean
    HibernatePropertiesCustomizer templateLabSchemaValidation() {
        return properties -> {
            properties.put(AvailableSettings.HBM2DDL_AUTO, "validate");
            properties.putIfAbsent(AvailableSettings.STATEMENT_BATCH_SIZE, 100);
            properties.putIfAbsent(AvailableSettings.ORDER_INSERTS, true);
        };
    }

    /** Embedded PostgreSQL, used when {@code DATABASE_URL} is blank. */
    @Configuration(proxyBeanMethods = false)
    @Conditional(DatabaseUrlBlank.class)
    static class Embedded {

        @Bean(destroyMethod = "close")
        EmbeddedPostgresServer embeddedPostgresServer(StorageLocations locations) {
            return EmbeddedPostgresServer.start(locations.postgres());
        }

        // Depends on the server bean, so the pool closes before the server stops.
        @Bean
        @ConfigurationProperties("spring.datasource.hikari")
        HikariDataSource dataSource(EmbeddedPostgresServer server) {
            HikariDataSource pool = new HikariDataSource();
            pool.setPoolName("templatelab-embedded");
            pool.setJdbcUrl(server.jdbcUrl());
            pool.setUsername(EmbeddedPostgresServer.USER);
            return pool;
        }
    }

    /** The PostgreSQL server named by {@code DATABASE_URL}. */
    @Configuration(proxyBeanMethods = false)
    @Conditional(DatabaseUrlBlank.Not.class)
    static class External {

        @Bean
        @ConfigurationProperties("spring.datasource.hikari")
        HikariDataSource dataSource(Environment env) {
            DatabaseUrl url = DatabaseUrl.parse(env.getProperty(DATABASE_URL),
                    env.getProperty(DATABASE_USER), env.getProperty(DATABASE_PASSWORD));
            log.info("Using external PostgreSQL {}", url);
            HikariDataSource pool = new HikariDataSource();
            pool.setPoolName("templatelab");
            pool.setJdbcUrl(url.jdbcUrl());
            pool.setUsername(url.user());
            pool.setPassword(url.password());
            return pool;
        }
    }

    /** True when no external database is configured. */
    static class DatabaseUrlBlank implements Condition {
        @Override
        public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
            String url = context.getEnvironment().getProperty(DATABASE_URL);
            return url == null || url.isBlank();
        }

        /** True when {@code DATABASE_URL} names a server. */
        static class Not implements Condition {
            @Override
            public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
                return !new DatabaseUrlBlank().matches(context, metadata);
            }
        }
    }
}
