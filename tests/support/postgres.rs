//! A real PostgreSQL server for the shared-ledger tests, from Debian's `postgresql`
//! package: `initdb` into a temporary directory, password (scram) authentication, `pg_ctl
//! start` on a free loopback port. The server refuses to run as root, so when the tests
//! run as root (CI does) it runs as `nobody` in a directory `nobody` owns.

use std::path::PathBuf;
use std::process::Command;

/// What a test marks itself with when it needs this server.
pub const NEEDS: &str = "needs PostgreSQL: apt install postgresql";

pub struct Postgres {
    dir: tempfile::TempDir,
    bin: PathBuf,
    pub port: u16,
    pub password: String,
    as_nobody: bool,
}

impl Postgres {
    pub fn start() -> Postgres {
        let bin = binaries().unwrap_or_else(|| panic!("{NEEDS}"));
        let dir = tempfile::tempdir().unwrap();
        let as_nobody = unsafe { libc::geteuid() } == 0;
        let password = format!("pg-pw-{}", random_hex());
        std::fs::write(dir.path().join("pw"), &password).unwrap();
        if as_nobody {
            for p in [dir.path().to_path_buf(), dir.path().join("pw")] {
                std::os::unix::fs::chown(&p, Some(65534), Some(65534)).unwrap();
            }
        }
        let pg = Postgres {
            dir,
            bin,
            port: free_port(),
            password,
            as_nobody,
        };
        let data = pg.data();
        let pw = pg.dir.path().join("pw");
        pg.run(
            "initdb",
            &[
                "-D",
                data.to_str().unwrap(),
                "-U",
                "byok",
                "--auth=scram-sha-256",
                "--pwfile",
                pw.to_str().unwrap(),
                "-E",
                "UTF8",
                "--no-sync",
            ],
        );
        std::fs::remove_file(&pw).unwrap();
        pg.start_server();
        let mut c = pg.client_to("postgres");
        c.batch_execute("CREATE DATABASE byok").unwrap();
        pg
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Starts (again) the stopped server, on the same port.
    pub fn start_server(&self) {
        let opts = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("log");
        self.run(
            "pg_ctl",
            &[
                "-D",
                self.data().to_str().unwrap(),
                "-o",
                &opts,
                "-l",
                log.to_str().unwrap(),
                "-w",
                "start",
            ],
        );
    }

    /// Stops the server (fast: open connections are cut).
    pub fn stop_server(&self) {
        self.run(
            "pg_ctl",
            &[
                "-D",
                self.data().to_str().unwrap(),
                "-m",
                "fast",
                "-w",
                "stop",
            ],
        );
    }

    /// `postgres://byok:<password>@127.0.0.1:<port>/byok`.
    pub fn url(&self) -> String {
        format!(
            "postgres://byok:{}@127.0.0.1:{}/byok",
            self.password, self.port
        )
    }

    /// The same without the password (it then comes from PGPASSWORD or .pgpass).
    pub fn url_without_password(&self) -> String {
        format!("postgres://byok@127.0.0.1:{}/byok", self.port)
    }

    pub fn client(&self) -> postgres::Client {
        self.client_to("byok")
    }

    fn client_to(&self, db: &str) -> postgres::Client {
        postgres::Config::new()
            .host("127.0.0.1")
            .port(self.port)
            .user("byok")
            .password(&self.password)
            .dbname(db)
            .connect(postgres::NoTls)
            .unwrap()
    }

    /// One number from the database.
    pub fn count(&self, sql: &str) -> i64 {
        self.client().query_one(sql, &[]).unwrap().get(0)
    }

    fn run(&self, tool: &str, args: &[&str]) {
        let path = self.bin.join(tool);
        let mut cmd = if self.as_nobody {
            let mut c = Command::new("setpriv");
            c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
                .arg(&path);
            c
        } else {
            Command::new(&path)
        };
        let out = cmd
            .args(args)
            .current_dir(self.dir.path())
            .env_remove("PGPASSWORD")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{tool} failed: {}{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(self.dir.path().join("log")).unwrap_or_default()
        );
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = Command::new(self.bin.join("pg_ctl"))
            .args([
                "-D",
                self.data().to_str().unwrap(),
                "-m",
                "immediate",
                "stop",
            ])
            .output();
        if self.as_nobody {
            let path = self.bin.join("pg_ctl");
            let _ = Command::new("setpriv")
                .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
                .arg(&path)
                .args([
                    "-D",
                    self.data().to_str().unwrap(),
                    "-m",
                    "immediate",
                    "stop",
                ])
                .current_dir(self.dir.path())
                .output();
        }
    }
}

/// The newest `/usr/lib/postgresql/<version>/bin` with `initdb` in it.
fn binaries() -> Option<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| {
            let e = e.ok()?;
            let v: u32 = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((v, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, p)| p)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn random_hex() -> String {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).unwrap();
    b.iter().map(|x| format!("{x:02x}")).collect()
}
