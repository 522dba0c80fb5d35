//! The `samen` command-line tool.

fn main() {
    eprintln!("samen: the node commands are still to come (see the README)");
    std::process::exit(2);
}
