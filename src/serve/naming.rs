//! What a client's `model` names (README "Give a tool your keys without giving it your
//! keys"): a route, `route:NAME`, or `provider:model`; anything else is a 404 that lists
//! the routes, unless serve was given a `--route` for such names. And the model list of
//! `GET /v1/models`: the routes, and the allowed `provider:model` names they use.

use serde_json::{Value, json};

use super::reply::ClientWire;
use crate::error::Error;
use crate::keys::Keys;
use crate::policy::Plan;
use crate::policy::plan::parse_model;
use crate::profile::LoadedProfile;
use crate::providers::Registry;

/// Why a model name gives no plan: the status and the message.
pub struct NotServed {
    pub status: u16,
    pub message: String,
}

/// The plan for the `model` a client sent.
pub fn plan_for(
    loaded: &LoadedProfile,
    keys: &Keys,
    model: &str,
    default_route: Option<&str>,
) -> Result<Plan, NotServed> {
    let routes = &loaded.profile.routes;
    let route = model.strip_prefix("route:").unwrap_or(model);
    if routes.contains_key(route) {
        return Plan::for_run(loaded, keys, Some(route), None, None).map_err(not_served);
    }
    if model.starts_with("route:") {
        return Err(unknown(loaded, model));
    }
    let registry = Registry::new(&loaded.profile);
    let names_provider = model
        .split_once(':')
        .is_some_and(|(p, m)| !m.is_empty() && registry.resolve(p).is_ok());
    if names_provider {
        return Plan::for_run(loaded, keys, None, Some(model), None).map_err(not_served);
    }
    match default_route {
        Some(r) => Plan::for_run(loaded, keys, Some(r), None, None).map_err(not_served),
        None => Err(unknown(loaded, model)),
    }
}

fn unknown(loaded: &LoadedProfile, model: &str) -> NotServed {
    let routes: Vec<&str> = loaded.profile.routes.keys().map(String::as_str).collect();
    let listed = if routes.is_empty() {
        "profile `{}` has no routes".replace("{}", &loaded.name)
    } else {
        format!("the routes are: {}", routes.join(", "))
    };
    NotServed {
        status: 404,
        message: format!(
            "byok serves no model `{model}`: name a route, route:NAME or provider:model; {listed} (hint: byok route set NAME provider:model)"
        ),
    }
}

fn not_served(e: Error) -> NotServed {
    let status = match &e {
        Error::NotAllowed { .. } => 403,
        Error::UnknownRoute { .. } | Error::UnknownProvider { .. } | Error::Usage(_) => 404,
        _ => 500,
    };
    let mut message = e.to_string();
    if let Some(hint) = e.hint() {
        message.push_str(&format!(" (hint: {hint})"));
    }
    NotServed { status, message }
}

/// `GET /v1/models`, in the list shape of the client's wire: every route, then every
/// allowed `provider:model` a route uses.
pub fn model_list(loaded: &LoadedProfile, wire: ClientWire) -> Value {
    let registry = Registry::new(&loaded.profile);
    let mut ids: Vec<String> = loaded.profile.routes.keys().cloned().collect();
    for route in loaded.profile.routes.values() {
        for spec in route.chain() {
            if let Ok(c) = parse_model(&registry, spec)
                && loaded.profile.allows(c.provider.id())
            {
                let id = format!("{}:{}", c.provider.id(), c.model);
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
        }
    }
    match wire {
        ClientWire::OpenAi => {
            let data: Vec<Value> = ids
                .iter()
                .map(|id| json!({"id": id, "object": "model", "created": 0, "owned_by": "byok"}))
                .collect();
            json!({"object": "list", "data": data})
        }
        ClientWire::Anthropic => {
            let data: Vec<Value> = ids
                .iter()
                .map(|id| {
                    json!({"type": "model", "id": id, "display_name": id,
                           "created_at": "1970-01-01T00:00:00Z"})
                })
                .collect();
            json!({"data": data, "has_more": false,
                   "first_id": ids.first(), "last_id": ids.last()})
        }
    }
}
