//! The `oc` commands that apply a Batch, wait for it and read its log, as shell text.

use std::time::Duration;

use super::{BatchCr, JOB_CONTAINER, RESOURCE};

/// Quotes a word for POSIX sh unless it is plainly safe (names are validated, but the text is
/// meant to be pasted, so it must not depend on that).
fn sh(word: &str) -> String {
    let safe = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '/' | ':' | '='));
    if safe {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

impl BatchCr {
    /// `oc` with `-n <namespace>` when the Batch has one.
    fn oc(&self) -> String {
        match self.namespace() {
            Some(ns) => format!("oc -n {}", sh(ns)),
            None => "oc".to_owned(),
        }
    }

    /// `oc apply -f -`, to be fed [`BatchCr::to_yaml`] on standard input.
    pub fn apply_command(&self) -> String {
        format!("{} apply -f -", self.oc())
    }

    /// The apply command with the YAML in a here-document, ready to paste.
    pub fn apply_script(&self) -> Result<String, super::CrError> {
        let yaml = self.to_yaml()?;
        // The YAML indents the script, so no line of it can equal the delimiter.
        Ok(format!(
            "{} <<'XSITE_EOF'\n{yaml}XSITE_EOF\n",
            self.apply_command()
        ))
    }

    /// A POSIX sh loop that polls the Batch's phase every 2 seconds and exits 0 on
    /// `Succeeded`, 1 on `Failed`, 2 when `timeout` passes first.
    ///
    /// `oc wait --for=jsonpath='{.status.phase}'=Succeeded` never notices `Failed` (it only
    /// times out), hence the loop. It runs in a subshell, so its `exit` does not close an
    /// interactive shell it is pasted into. A failed `oc get` (the Batch not created yet, a
    /// network error) counts as "no phase yet".
    pub fn wait_script(&self, timeout: Duration) -> String {
        let secs = timeout.as_secs().max(1);
        let name = self.name();
        let target = sh(&format!("{RESOURCE}/{name}"));
        format!(
            "(
  deadline=$(( $(date +%s) + {secs} ))
  while :; do
    phase=$({oc} get {target} -o jsonpath='{{.status.phase}}' 2>/dev/null)
    case \"$phase\" in
      Succeeded) echo \"Batch {name}: Succeeded\"; exit 0 ;;
      Failed) echo \"Batch {name}: Failed; its log: {logs}\" >&2; exit 1 ;;
    esac
    if [ \"$(date +%s)\" -ge \"$deadline\" ]; then
      echo \"Batch {name}: phase '${{phase:-none}}' after {secs}s\" >&2; exit 2
    fi
    sleep 2
  done
)
",
            oc = self.oc(),
            logs = self.logs_command(),
        )
    }

    /// `oc logs job/<name> -c batch`: the output of cli.sh, the only place it is kept.
    pub fn logs_command(&self) -> String {
        format!(
            "{} logs {} -c {JOB_CONTAINER}",
            self.oc(),
            sh(&format!("job/{}", self.name()))
        )
    }

    /// Deletes the Batch (which takes its Job, pod and inline ConfigMap with it) and the
    /// ConfigMap shipped with it, if any.
    pub fn delete_command(&self) -> String {
        let mut targets = vec![sh(&format!("{RESOURCE}/{}", self.name()))];
        if let Some(cm) = &self.config_map {
            targets.push(sh(&format!("configmap/{}", cm.metadata.name)));
        }
        format!(
            "{} delete --ignore-not-found {}",
            self.oc(),
            targets.join(" ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::sh;

    #[test]
    fn quoting() {
        assert_eq!(sh("keycloak"), "keycloak");
        assert_eq!(sh("a b"), "'a b'");
        assert_eq!(sh("it's"), r"'it'\''s'");
        assert_eq!(sh(""), "''");
    }
}
