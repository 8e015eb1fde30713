//! A worker thread and the requests it serves: the checks every request passes (origin,
//! host, token, path, size, JSON, model, allowlist, guard), then the walk, its answer
//! streamed back, and one log line.

use std::cell::Cell;
use std::convert::Infallible;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use hyper::body::{Body as _, Incoming};
use hyper::{Method, Request, Response};
use serde_json::Value;
use tokio::sync::{Notify, mpsc};
use tokio_util::sync::CancellationToken;

use super::forward::{Forward, Outlet, same_wire};
use super::log::Entry;
use super::reply::{self, Body, ClientWire};
use super::{ClientName, Conn, MAX_BODY, Shared, auth, naming, state, translate};
use crate::error::{Error, exit};
use crate::guard::{self, Action, Found};
use crate::ledger::Ledger;
use crate::policy::{self, Ask, Walker};
use crate::providers::chat::{Cancel, Stop};
use crate::providers::failure::FailureClass;

/// What every worker gets.
pub struct Ctx {
    pub shared: Arc<Shared>,
    /// The `Host` values requests may carry; `None` on a unix socket.
    pub hosts: Option<Vec<String>>,
    pub state: Option<Arc<state::StateFile>>,
}

/// One worker's own: its ledger connection and HTTP client, and the calls in flight.
struct Worker {
    ctx: Arc<Ctx>,
    client: reqwest::Client,
    ledger: Option<Ledger>,
    /// Cancels what still runs once the drain time is over.
    hard: CancellationToken,
    inflight: Cell<usize>,
    idle: Notify,
}

/// Counts a call in flight while it lives.
struct InFlight(Rc<Worker>);

impl InFlight {
    fn new(w: &Rc<Worker>) -> InFlight {
        w.inflight.set(w.inflight.get() + 1);
        InFlight(w.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.inflight.set(self.0.inflight.get() - 1);
        if self.0.inflight.get() == 0 {
            self.0.idle.notify_waiters();
        }
    }
}

/// A worker thread: serves the connections it is handed until the acceptor stops, then
/// lets them (and their calls) finish.
pub fn worker(
    ctx: Arc<Ctx>,
    mut conns: mpsc::UnboundedReceiver<Conn>,
    stop: CancellationToken,
    hard: CancellationToken,
) {
    let rt = crate::http::runtime();
    let local = tokio::task::LocalSet::new();
    local.block_on(&rt, async move {
        let ledger = match crate::policy::open_ledger(
            &ctx.shared.paths,
            &ctx.shared.loaded.profile,
            &mut |w| crate::output::verbose(w),
        ) {
            Ok(l) => l,
            Err(e) => {
                crate::output::stderr_line(&format!("byok serve: {e}"));
                return;
            }
        };
        let client = crate::http::client_for(&ctx.shared.timeouts, [] as [&str; 0]);
        let w = Rc::new(Worker {
            ctx,
            client,
            ledger,
            hard,
            inflight: Cell::new(0),
            idle: Notify::new(),
        });
        let mut open = tokio::task::JoinSet::new();
        loop {
            tokio::select! {
                c = conns.recv() => match c {
                    Some(c) => {
                        open.spawn_local(connection(c, w.clone(), stop.clone()));
                    }
                    None => break,
                },
                Some(_) = open.join_next(), if !open.is_empty() => {}
            }
        }
        while open.join_next().await.is_some() {}
        loop {
            let idle = w.idle.notified();
            if w.inflight.get() == 0 {
                break;
            }
            idle.await;
        }
    });
}

/// Serves one connection (HTTP/1.1, keep-alive) until it closes or serve stops.
async fn connection(conn: Conn, w: Rc<Worker>, stop: CancellationToken) {
    let service = hyper::service::service_fn(move |req| handle(req, w.clone()));
    let mut builder = hyper::server::conn::http1::Builder::new();
    // A client that never finishes its request head is dropped (hyper's 30 s default).
    builder.timer(hyper_util::rt::TokioTimer::new());
    macro_rules! serve {
        ($io:expr) => {{
            let c = builder.serve_connection(hyper_util::rt::TokioIo::new($io), service);
            tokio::pin!(c);
            tokio::select! {
                _ = c.as_mut() => {}
                _ = stop.cancelled() => {
                    c.as_mut().graceful_shutdown();
                    let _ = c.await;
                }
            }
        }};
    }
    match conn {
        Conn::Tcp(s) => {
            if let Ok(s) = tokio::net::TcpStream::from_std(s) {
                serve!(s)
            }
        }
        #[cfg(unix)]
        Conn::Unix(s) => {
            if let Ok(s) = tokio::net::UnixStream::from_std(s) {
                serve!(s)
            }
        }
    }
}

const SERVED: &str = "POST /v1/chat/completions, GET /v1/models, POST /v1/messages";

/// The client's name for the ledger.
fn client_name(shared: &Shared, req: &Request<Incoming>) -> String {
    match &shared.client {
        ClientName::Fixed(n) => n.clone(),
        ClientName::FromUserAgent => req
            .headers()
            .get(hyper::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .and_then(|ua| ua.split(['/', ' ']).next())
            .map(|p| {
                p.chars()
                    .filter(|c| !c.is_control())
                    .take(64)
                    .collect::<String>()
            })
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| "serve".to_string()),
    }
}

async fn handle(req: Request<Incoming>, w: Rc<Worker>) -> Result<Response<Body>, Infallible> {
    let started = Instant::now();
    let shared = &w.ctx.shared;
    let path = req.uri().path().to_string();
    let wire = ClientWire::of(&path, req.headers());
    let client = client_name(shared, &req);
    let mut entry = Entry {
        client: &client,
        model: "-",
        candidate: "-".into(),
        status: 200,
        tokens: None,
        cost: None,
        latency: started.elapsed(),
    };
    let log = |entry: &mut Entry, status: u16| {
        entry.status = status;
        entry.latency = started.elapsed();
        write_log(shared, entry);
    };
    if let Err(refused) = auth::check(req.headers(), &shared.token, w.ctx.hosts.as_deref()) {
        let status = refused.status();
        log(&mut entry, status);
        return Ok(reply::error(wire, status, &refused.message()));
    }
    let method = req.method().clone();
    match (method, path.as_str()) {
        (Method::GET, "/v1/models") => {
            log(&mut entry, 200);
            return Ok(reply::json(200, &naming::model_list(&shared.loaded, wire)));
        }
        (Method::POST, "/v1/chat/completions" | "/v1/messages") => {}
        (m, p) => {
            log(&mut entry, 404);
            return Ok(reply::error(
                wire,
                404,
                &format!("byok serve has no {m} {p}; it serves {SERVED}"),
            ));
        }
    }
    let bytes = match read_body(req.into_body()).await {
        Ok(b) => b,
        Err(status) => {
            log(&mut entry, status);
            let message = if status == 413 {
                "the request body is over 32 MiB, the most byok serve takes".to_string()
            } else {
                "the request body could not be read".to_string()
            };
            return Ok(reply::error(wire, status, &message));
        }
    };
    let mut body: Value = match serde_json::from_slice(&bytes) {
        Ok(v @ Value::Object(_)) => v,
        Ok(_) => {
            log(&mut entry, 400);
            return Ok(reply::error(
                wire,
                400,
                "the request body must be a JSON object",
            ));
        }
        Err(e) => {
            log(&mut entry, 400);
            return Ok(reply::error(
                wire,
                400,
                &format!("the request body is not valid JSON: {e}"),
            ));
        }
    };
    let Some(model) = body.get("model").and_then(Value::as_str).map(String::from) else {
        log(&mut entry, 400);
        return Ok(reply::error(
            wire,
            400,
            "the request names no `model`: name a route, route:NAME or provider:model",
        ));
    };
    entry.model = &model;
    let plan = match naming::plan_for(
        &shared.loaded,
        &shared.keys,
        &model,
        shared.route.as_deref(),
    ) {
        Ok(p) => p,
        Err(n) => {
            log(&mut entry, n.status);
            return Ok(reply::error(wire, n.status, &n.message));
        }
    };
    // The outbound guard, on every string of the body, before anything is sent.
    let (policy, origin) = shared.loaded.profile.guard_policy(plan.route.as_deref());
    let mut detail = None;
    if let Some(g) = shared.guard(policy) {
        let findings = g.check_json(&mut body);
        if guard::refused(&findings) {
            log(&mut entry, 403);
            return Ok(reply::error(wire, 403, &guard_refusal(&findings, &origin)));
        }
        detail = guard::ledger_detail(&findings);
    }
    let chat = translate::read(wire, &body);
    // A request no candidate could take is refused before anything is reserved.
    let cross: Vec<_> = plan
        .candidates
        .iter()
        .filter(|c| !same_wire(wire, c.provider.spec.wire))
        .collect();
    if cross.len() == plan.candidates.len() {
        let refusal = match &chat {
            Err(field) => Some(field.clone()),
            Ok(chat) => cross
                .iter()
                .map(|c| translate::fits(chat, c.provider.spec.wire))
                .find_map(Result::err)
                .filter(|_| {
                    cross
                        .iter()
                        .all(|c| translate::fits(chat, c.provider.spec.wire).is_err())
                }),
        };
        if let Some(field) = refusal {
            log(&mut entry, 400);
            return Ok(reply::error(wire, 400, &translate::refusal(&field, wire)));
        }
    }
    if let Some(state) = &w.ctx.state {
        state.saw(&client);
    }
    let ask = Ask {
        prompt_bytes: bytes.len(),
        max_tokens: ["max_completion_tokens", "max_tokens"]
            .iter()
            .find_map(|f| body.get(*f).and_then(Value::as_u64))
            .and_then(|n| u32::try_from(n).ok()),
    };
    drop(bytes);
    let (outlet, head) = Outlet::new();
    let worker = w.clone();
    let client_owned = client.clone();
    let model_owned = model.clone();
    tokio::task::spawn_local(async move {
        let w = worker;
        let _inflight = InFlight::new(&w);
        let shared = &w.ctx.shared;
        let (canceller, cancel) = Cancel::new();
        let mut walker = Walker::new(
            &w.client,
            &shared.keys,
            w.ledger.as_ref(),
            &shared.loaded,
            &shared.prices,
            plan.route.clone(),
            cancel,
        );
        walker.tag.client = Some(client_owned.clone());
        walker.tag.detail = detail;
        let mut forward = Forward {
            client: &w.client,
            wire,
            body: &body,
            chat: &chat,
            asked: &model_owned,
            outlet,
            last: None,
        };
        let outcome = {
            let walk = walker.walk_with(&plan, ask, &mut forward, false);
            tokio::pin!(walk);
            tokio::select! {
                o = &mut walk => o,
                _ = w.hard.cancelled() => {
                    canceller.stop(Stop::Signal(libc::SIGTERM));
                    walk.await
                }
            }
        };
        for warning in walker.warnings.borrow().iter() {
            crate::output::verbose(warning);
        }
        let mut entry = Entry {
            client: &client_owned,
            model: &model_owned,
            candidate: "-".into(),
            status: 200,
            tokens: None,
            cost: None,
            latency: started.elapsed(),
        };
        match outcome {
            Ok(s) => {
                entry.candidate = format!("{}:{}", s.candidate.provider.id(), s.candidate.model);
                entry.tokens = Some((s.result.usage.input_tokens, s.result.usage.output_tokens));
                entry.cost = policy::call_cost(
                    &shared.prices,
                    &s.candidate.provider,
                    &s.candidate.model,
                    &s.result,
                )
                .usd;
            }
            Err(failed) => {
                if let Some(a) = failed.attempts.iter().rev().find(|a| a.status == "failed") {
                    entry.candidate = format!("{}:{}", a.provider, a.model);
                }
                let status = status_of(&failed.error, forward.last);
                entry.status = status;
                if !forward.outlet.emitted() {
                    let _ = forward.outlet.reply(reply::error(
                        wire,
                        status,
                        &message_of(&failed.error),
                    ));
                } else {
                    // The answer broke off after its start reached the client (the
                    // provider cut it, or serve stopped past its drain time): it ends with
                    // an error event the client's SDK raises on. A client that went away
                    // reads nothing, and sending to it fails quietly.
                    let why = failed
                        .attempts
                        .iter()
                        .rev()
                        .find_map(|a| a.error.clone())
                        .unwrap_or_else(|| failed.error.to_string());
                    let message = format!(
                        "the answer from {} broke off after it had started ({why}); byok retries \
                         and falls back only before an answer starts: ask again",
                        entry.candidate
                    );
                    forward
                        .outlet
                        .break_off(reply::stream_error(wire, &message));
                }
            }
        }
        drop(forward);
        entry.latency = started.elapsed();
        write_log(shared, &entry);
    });
    Ok(head
        .await
        .unwrap_or_else(|_| reply::error(wire, 500, "byok serve could not answer this request")))
}

/// The request's log line, on stderr (`-q`: none; `exec --proxy`: under `-v` only).
fn write_log(shared: &Shared, entry: &Entry) {
    if shared.quiet {
        return;
    }
    if shared.verbose_log {
        crate::output::verbose(&entry.line());
    } else {
        crate::output::stderr_line(&entry.line());
    }
}

/// The body, up to [`MAX_BODY`]: `Err(413)` beyond it, `Err(400)` when it breaks off.
async fn read_body(mut body: Incoming) -> Result<Bytes, u16> {
    if body.size_hint().lower() > MAX_BODY as u64 {
        return Err(413);
    }
    let mut buf = Vec::new();
    loop {
        let frame = std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx)).await;
        match frame {
            None => break,
            Some(Err(_)) => return Err(400),
            Some(Ok(f)) => {
                if let Ok(data) = f.into_data() {
                    if buf.len() + data.len() > MAX_BODY {
                        return Err(413);
                    }
                    buf.extend_from_slice(&data);
                }
            }
        }
    }
    Ok(Bytes::from(buf))
}

/// The HTTP status of a walk that produced no answer: a budget is 429; the allowlist 403;
/// a request the provider refused keeps its 4xx; a provider that failed is 502.
fn status_of(e: &Error, last: Option<(FailureClass, Option<u16>)>) -> u16 {
    match e {
        Error::BudgetSpent { .. } => 429,
        Error::BudgetUnchecked { .. } => 503,
        Error::NotAllowed { .. } => 403,
        Error::GuardRefused { .. } => 403,
        Error::Interrupted { .. } | Error::StdoutClosed => 503,
        _ if e.exit_code() == exit::BUDGET => 429,
        _ if e.exit_code() == exit::CONFIG => 503,
        _ => match last {
            Some((FailureClass::BadRequest, status)) => {
                status.filter(|s| (400..500).contains(s)).unwrap_or(400)
            }
            Some((FailureClass::NotFound, _)) => 404,
            Some((FailureClass::RateLimited, _)) => 429,
            Some((FailureClass::Timeout, _)) => 504,
            _ => 502,
        },
    }
}

/// An error's message and hint, for the client (providers' own words are redacted).
fn message_of(e: &Error) -> String {
    let mut m = e.to_string();
    if let Some(hint) = e.hint() {
        m.push_str(&format!(" (hint: {hint})"));
    }
    m
}

/// Why the guard refused a request, without the values it found.
fn guard_refusal(findings: &[guard::Finding], origin: &str) -> String {
    let mut what: Vec<String> = findings
        .iter()
        .filter(|f| f.action == Action::Refuse)
        .map(|f| {
            let kind = match &f.found {
                Found::Own(owner) => owner.describe(),
                Found::Credential(kind) => kind.as_str().to_string(),
            };
            format!("{kind} at {}", f.part)
        })
        .collect();
    what.dedup();
    what.truncate(8);
    format!(
        "the request was not sent: the outbound guard found {} ({origin}); remove it from the request",
        what.join(", ")
    )
}
