package dev.templatelab.storage.config;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DatabaseUrlTest {

    @Test
    void jdbcUrlIsTakenAsIs() {
        DatabaseUrl url = DatabaseUrl.parse("jdbc:postgresql://db:5432/lab?ssl=true", "lab", "secret");

        assertThat(url).isEqualTo(new DatabaseUrl("jdbc:postgresql://db:5432/lab?ssl=true", "lab", "secret"));
    }

    @Test
    void postgresUrlMovesUserAndPasswordOutOfTheUrl() {
        DatabaseUrl url = DatabaseUrl.parse("postgres://lab:s3cr%40t+x@db.example.com:6543/templatelab?sslmode=require",
                null, "");

        assertThat(url.jdbcUrl()).isEqualTo("jdbc:postgresql://db.example.com:6543/templatelab?sslmode=require");
        assertThat(url.user()).isEqualTo("lab");
        assertThat(url.password()).isEqualTo("s3cr@t+x");
    }

    @Test
    void postgresqlSchemeWithoutPortOrCredentials() {
        DatabaseUrl url = DatabaseUrl.parse("postgresql://db/lab", null, null);

        assertThat(url).isEqualTo(new DatabaseUrl("jdbc:postgresql://db/lab", null, null));
    }

    @Test
    void databaseUserAndPasswordWinOverTheUrls() {
        DatabaseUrl url = DatabaseUrl.parse("postgres://a:b@db:5432/lab", "admin", "root-pw");

        assertThat(url.user()).isEqualTo("admin");
        assertThat(url.password()).isEqualTo("root-pw");
    }

    @Test
    void otherDatabasesAreRejectedWithoutLeakingThePassword() {
        assertThatThrownBy(() -> DatabaseUrl.parse("mysql://u:hunter2@db/lab", null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("PostgreSQL is the only database")
                .hasMessageNotContaining("hunter2");
        assertThatThrownBy(() -> DatabaseUrl.parse("  ", null, null)).hasMessageContaining("blank");
    }

    @Test
    void toStringHidesThePassword() {
        assertThat(DatabaseUrl.parse("postgres://u:hunter2@db/lab", null, null).toString())
                .doesNotContain("hunter2");
        assertThat(DatabaseUrl.parse("jdbc:postgresql://db/lab?user=u&password=hunter2", null, null).toString())
                .doesNotContain("hunter2").contains("password=***");
        // An '@' in the password (unescaped): the error shows none of it.
        assertThatThrownBy(() -> DatabaseUrl.parse("postgres://u:hun@ter2@db/lab", null, null))
                .hasMessageNotContaining("ter2").hasMessageContaining("u:***@");
        assertThatThrownBy(() -> DatabaseUrl.parse("postgres://u:hunter2@db/la b", null, null))
                .hasMessageNotContaining("hunter2").hasNoCause();
    }
}
