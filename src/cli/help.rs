//! What `--help` prints after the options: each command's examples, then
//! the exit codes. Every line fits in 80 columns, so clap (which wraps help
//! to the terminal, at most 100 columns) never breaks a command in the
//! middle; a long command goes on after a `\` on an indented line, as a
//! shell reads it.

/// The exit codes, listed after the examples of every command.
macro_rules! exit_codes {
    () => {
        "Exit status:
  0    success
  1    error: the command stopped and wrote no output
  2    some inputs failed (label: each has a record with \"error\")
  64   usage error: unknown option, bad value, conflicting options
  130  interrupted: 128 + the signal number (Ctrl-C: 130)"
    };
}

/// A command's examples, then the exit codes.
macro_rules! after_help {
    ($($line:literal)*) => {
        concat!("Examples:\n", $("  ", $line, "\n",)* "\n", exit_codes!())
    };
}

pub const TOP: &str = after_help!(
    "# label the seed articles with the bundled cyber-topics model"
    "tasnif label seeds/"
    "# train on a folder with one sub-folder per topic"
    "tasnif train corpus/ -o news.tasnif"
    "# evaluate a model on labeled articles, or cross-validate settings"
    "tasnif eval test/ -m news.tasnif"
    "tasnif eval corpus/ --cv 5"
    "# show a model's settings and top terms"
    "tasnif inspect news.tasnif"
);

pub const TRAIN: &str = after_help!(
    "tasnif train corpus/ -o news.tasnif"
    "# the reference split's training half (paths relative to the corpus)"
    "D=../shared/data/ant-multisource"
    "tasnif train $D --list $D/split/train.txt -o news.tasnif"
    "tasnif train labels.csv -o cyber.tasnif --stemmer snowball \\"
    "    --nb multinomial --alpha 0.1"
    "# semi-supervised (EM), with unlabeled articles"
    "tasnif train labels.csv -o cyber.tasnif --unlabeled archive/ \\"
    "    --unlabeled-weight 0.01"
);

pub const LABEL: &str = after_help!(
    "# the bundled model, JSON lines on standard output"
    "tasnif label seeds/"
    "tasnif label archive/ -m news.tasnif -o out.csv --format csv -j 2"
    "echo '{\"id\":\"a1\",\"text\":\"...\"}' | tasnif label - --top-k 3 --explain 5"
);

pub const EVAL: &str = after_help!(
    "D=../shared/data/ant-multisource"
    "tasnif eval $D -m news.tasnif --list $D/split/test.txt"
    "tasnif eval corpus/ --cv 5 --seed 42 --json cv.json"
    "# one self-contained page with charts"
    "tasnif eval test/ -m news.tasnif --report report.html"
    "# Markdown, its charts in report_files/"
    "tasnif eval test/ -m news.tasnif --report report.md"
    "tasnif eval labels.csv --cv 5 --learning-curve --unlabeled archive/ \\"
    "    --unlabeled-weight 0.01,0.1"
    "# active learning simulated, DATA's labels as the oracle"
    "tasnif eval $D --list $D/split/train.txt --test-list $D/split/test.txt \\"
    "    --active-learning --start 20 --step 40 --budget 2020 --report al.html"
);

pub const TUNE: &str = after_help!(
    "D=../shared/data/ant-multisource"
    "tasnif tune $D --list $D/split/train.txt --cv 5"
    "tasnif train $D --list $D/split/train.txt --config tasnif-tune.json \\"
    "    -o news.tasnif"
);

pub const BENCH: &str = after_help!(
    "# the reference split in $TASNIF_DATA or ../shared/data"
    "tasnif bench"
    "tasnif bench corpus/ --train-list a.txt --test-list b.txt --runs 3 \\"
    "    --json bench.json"
);

pub const INSPECT: &str = after_help!("tasnif inspect news.tasnif --top-terms 20");

pub const COMPLETIONS: &str = after_help!(
    "tasnif completions bash > ~/.local/share/bash-completion/completions/tasnif"
    "tasnif completions zsh > ~/.zfunc/_tasnif"
    "tasnif completions fish > ~/.config/fish/completions/tasnif.fish"
);

pub const MAN: &str = after_help!(
    "tasnif man | man -l -"
    "tasnif man label | man -l -"
    "# every page, for a package: tasnif.1, tasnif-train.1, ..."
    "tasnif man --dir /usr/local/share/man/man1"
);

pub const SERVE: &str = after_help!(
    "# the bundled model on http://127.0.0.1:8080"
    "tasnif serve"
    "tasnif serve -m news.tasnif --port 9000 -j 2 --watch --log-format json"
    "# beyond loopback, only with a bearer token"
    "tasnif serve --host 0.0.0.0 --token-file /etc/tasnif/token"
    "curl -s localhost:8080/v1/label -H 'Content-Type: application/json' \\"
    "    -d '{\"id\":\"a1\",\"text\":\"...\"}'"
    "# SIGHUP reloads the model; SIGTERM or Ctrl-C finishes the requests"
    "# in flight, then exits 0. See docs/serve.md."
);

pub const ANNOTATE: &str = after_help!(
    "tasnif annotate init news.db --pool archive/ --labels economy,sports"
    "# the labeling page on http://127.0.0.1:8765/"
    "tasnif annotate serve news.db"
    "# or from the shell: the next articles as JSON lines"
    "tasnif annotate next news.db -n 5"
    "tasnif annotate add news.db --id archive/0001.txt --label sports"
    "tasnif annotate stats news.db"
    "# train on the labels so far"
    "tasnif train news.db -o news.tasnif"
);

pub const ANNOTATE_INIT: &str = after_help!(
    "tasnif annotate init news.db --pool archive/ \\"
    "    --labels economy,sports,politics --none-label none"
    "tasnif annotate init news.db --pool a.jsonl b/ --labels x,y \\"
    "    --seed-terms 'sports=مباراة فريق'"
    "# a new label set for an existing project"
    "tasnif annotate init news.db --pool archive/ \\"
    "    --labels economy,sports,politics,culture"
);

pub const ANNOTATE_NEXT: &str = after_help!("tasnif annotate next news.db -n 5 --strategy margin");

pub const ANNOTATE_ADD: &str = after_help!(
    "tasnif annotate add news.db --id archive/0001.txt --label sports \\"
    "    --annotator amal"
    "printf 'id,label\\narchive/0002.txt,economy\\n' | tasnif annotate add news.db -"
);

pub const ANNOTATE_EXPORT: &str = after_help!(
    "tasnif annotate export news.db -o labels.csv"
    "tasnif train labels.csv -o news.tasnif"
);

pub const ANNOTATE_SERVE: &str = after_help!(
    "# then open http://127.0.0.1:8765/"
    "tasnif annotate serve news.db --port 8765"
);
