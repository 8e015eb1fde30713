//! The format-preserving profile editor behind `byok route set | rm`: it edits
//! `profiles/<name>.toml` with toml_edit, so the user's comments, key order and layout
//! survive, and re-checks every edit with [`profile::parse`](super::parse) before it is
//! written, so byok never writes a profile it would then refuse. Edits happen under the
//! profiles lock, and the file is replaced atomically.

use std::path::PathBuf;

use toml_edit::{Array, DocumentMut, InlineTable, Item, Table, TableLike, Value};

use super::Profile;
use crate::error::{Error, Result};
use crate::fsio::{self, FileLock};
use crate::paths::Paths;

/// A profile's file, opened for editing: the profiles lock is held until drop.
pub struct ProfileFile {
    pub name: String,
    pub path: PathBuf,
    /// Whether the file existed when it was opened (an edit of a missing one creates it).
    pub exists: bool,
    /// The profile as last read or saved.
    pub profile: Profile,
    doc: DocumentMut,
    _lock: FileLock,
}

impl ProfileFile {
    /// Opens profile `name` for editing; a missing file is an empty profile.
    pub fn open(paths: &Paths, name: &str) -> Result<ProfileFile> {
        super::check_name(name)?;
        let path = super::path_of(paths, name);
        let lock = FileLock::exclusive(&paths.profiles_dir().join(".lock"))?;
        let (text, exists) = match std::fs::read_to_string(&path) {
            Ok(text) => (text, true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => (String::new(), false),
            Err(e) => return Err(Error::io("read", &path, e)),
        };
        // Strict first: a malformed profile is reported with its line and column.
        let profile = super::parse(&text, &path)?;
        let doc = text
            .parse::<DocumentMut>()
            .map_err(|e| Error::ProfileInvalid {
                path: path.clone(),
                line: 0,
                column: 0,
                message: e.message().trim().to_string(),
            })?;
        Ok(ProfileFile {
            name: name.to_string(),
            path,
            exists,
            profile,
            doc,
            _lock: lock,
        })
    }

    /// Re-checks the edited text as byok will read it, then replaces the file atomically.
    pub fn save(&mut self) -> Result<Profile> {
        let text = self.doc.to_string();
        let profile = super::parse(&text, &self.path).map_err(|e| {
            Error::Internal(format!(
                "the edited profile would not load ({e}); {} was left unchanged",
                self.path.display()
            ))
        })?;
        fsio::write_atomic(&self.path, text.as_bytes())?;
        self.profile = profile.clone();
        Ok(profile)
    }

    /// Sets route `name` to `model` then `fallback`. `key`: `None` leaves the route's
    /// label as it is, `Some("")` removes it, `Some(label)` sets it. An existing route
    /// keeps its place, comments and layout; a new one follows the style of the routes
    /// already there. Nothing is written until [`save`](Self::save).
    pub fn set_route(
        &mut self,
        name: &str,
        model: &str,
        fallback: &[String],
        key: Option<&str>,
    ) -> Result<()> {
        let routes = self.routes_mut()?;
        let existing = routes
            .as_table_like_mut()
            .and_then(|t| t.get_mut(name))
            .and_then(Item::as_table_like_mut);
        match existing {
            Some(route) => {
                set_value(route, "model", Value::from(model));
                let old = route.get("fallback").and_then(Item::as_array);
                match old {
                    // The same list: leave the user's array (layout, comments) untouched.
                    Some(old) if same_strings(old, fallback) => {}
                    Some(old) => {
                        let new = reshaped_like(old, fallback);
                        set_value(route, "fallback", new);
                    }
                    None if !fallback.is_empty() => {
                        set_value(route, "fallback", string_array(fallback))
                    }
                    None => {}
                }
                match key {
                    Some("") => {
                        route.remove("key");
                    }
                    Some(label) => set_value(route, "key", Value::from(label)),
                    None => {}
                }
            }
            None => {
                let mut fields: Vec<(&str, Value)> = vec![("model", Value::from(model))];
                if !fallback.is_empty() {
                    fields.push(("fallback", string_array(fallback)));
                }
                if let Some(label) = key.filter(|k| !k.is_empty()) {
                    fields.push(("key", Value::from(label)));
                }
                match routes {
                    // `[routes.a]` headers, or no routes yet: a `[routes.<name>]` table,
                    // placed after the last route.
                    Item::Table(t) if !t.is_dotted() => {
                        let mut route = Table::new();
                        for (k, v) in fields {
                            route.insert(k, Item::Value(v));
                        }
                        t.insert(name, Item::Table(route));
                    }
                    // `routes = { … }` or dotted keys: stay in the user's style.
                    other => {
                        let mut route = InlineTable::new();
                        for (k, v) in fields {
                            route.insert(k, v);
                        }
                        route.fmt();
                        if let Some(t) = other.as_table_like_mut() {
                            t.insert(name, Item::Value(Value::InlineTable(route)));
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Removes route `name` (nothing is written until [`save`](Self::save)).
    pub fn remove_route(&mut self, name: &str) -> Result<()> {
        if let Some(t) = self.routes_mut()?.as_table_like_mut() {
            t.remove(name);
        }
        Ok(())
    }

    /// The `routes` table, created (as an implicit table: only `[routes.<name>]` headers
    /// appear) when the profile has none.
    fn routes_mut(&mut self) -> Result<&mut Item> {
        let root = self.doc.as_table_mut();
        if !root.contains_key("routes") {
            let mut t = Table::new();
            t.set_implicit(true);
            root.insert("routes", Item::Table(t));
        }
        let item = root
            .get_mut("routes")
            .ok_or_else(|| Error::Internal("routes table vanished".into()))?;
        if item.as_table_like().is_none() {
            return Err(Error::Internal("`routes` is not a table".into()));
        }
        Ok(item)
    }
}

/// Sets `key` to `value`, keeping the key's position, its comments and the value's
/// trailing comment when it already exists.
fn set_value(table: &mut dyn TableLike, key: &str, mut value: Value) {
    match table.get_mut(key) {
        Some(item) => {
            if let Some(old) = item.as_value() {
                *value.decor_mut() = old.decor().clone();
            }
            *item = Item::Value(value);
        }
        None => {
            table.insert(key, Item::Value(value));
        }
    }
}

fn string_array(items: &[String]) -> Value {
    Value::Array(items.iter().map(String::as_str).collect::<Array>())
}

fn same_strings(array: &Array, items: &[String]) -> bool {
    array.len() == items.len() && array.iter().zip(items).all(|(v, s)| v.as_str() == Some(s))
}

/// `items` as an array laid out like `old`: one element a line, at the same indent, when
/// the user wrote it that way.
fn reshaped_like(old: &Array, items: &[String]) -> Value {
    let prefix = |v: &Value| {
        v.decor()
            .prefix()
            .and_then(|p| p.as_str())
            .map(str::to_string)
    };
    let indent = old
        .iter()
        .filter_map(prefix)
        .find_map(|p| p.rsplit_once('\n').map(|(_, indent)| indent.to_string()));
    let trailing_newline = old.trailing().as_str().is_some_and(|t| t.contains('\n'));
    let (Some(indent), true) = (indent, trailing_newline) else {
        return string_array(items);
    };
    let mut array = Array::new();
    for item in items {
        let mut v = Value::from(item.as_str());
        v.decor_mut().set_prefix(format!("\n{indent}"));
        v.decor_mut().set_suffix("");
        array.push_formatted(v);
    }
    array.set_trailing_comma(!items.is_empty());
    array.set_trailing(if items.is_empty() { "" } else { "\n" });
    Value::Array(array)
}
