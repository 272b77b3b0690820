//! TEMPORARY stub of the Arabic analysis API (replaced by the real module).
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum StemmerKind { #[default] Light10, Snowball, None }
impl fmt::Display for StemmerKind { fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(match self { StemmerKind::Light10 => "light10", StemmerKind::Snowball => "snowball", StemmerKind::None => "none" }) } }
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseStemmerError(pub String);
impl fmt::Display for ParseStemmerError { fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { write!(f, "unknown stemmer '{}'", self.0) } }
impl std::error::Error for ParseStemmerError {}
impl FromStr for StemmerKind { type Err = ParseStemmerError; fn from_str(s: &str) -> Result<Self, Self::Err> { match s { "light10" => Ok(Self::Light10), "snowball" => Ok(Self::Snowball), "none" => Ok(Self::None), _ => Err(ParseStemmerError(s.into())) } } }
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NormalizeOptions { pub fold_teh_marbuta: bool }
impl Default for NormalizeOptions { fn default() -> Self { NormalizeOptions { fold_teh_marbuta: true } } }
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnalyzerConfig { pub stemmer: StemmerKind, pub normalize: NormalizeOptions, pub remove_stopwords: bool, pub min_token_chars: usize }
impl Default for AnalyzerConfig { fn default() -> Self { AnalyzerConfig { stemmer: StemmerKind::Light10, normalize: NormalizeOptions::default(), remove_stopwords: true, min_token_chars: 2 } } }
#[derive(Debug)]
pub struct Analyzer { config: AnalyzerConfig }
#[derive(Default)]
pub struct AnalyzerScratch { buf: String }
impl Analyzer {
    pub fn new(config: AnalyzerConfig) -> Analyzer { Analyzer { config } }
    pub fn config(&self) -> &AnalyzerConfig { &self.config }
    pub fn for_each_term<F: FnMut(&str)>(&self, text: &str, scratch: &mut AnalyzerScratch, mut f: F) {
        for w in text.split(|c: char| !c.is_alphanumeric()) { if w.chars().count() >= self.config.min_token_chars { scratch.buf.clear(); scratch.buf.push_str(w); f(&scratch.buf) } }
    }
    pub fn terms(&self, text: &str) -> Vec<String> { let mut v = Vec::new(); let mut s = AnalyzerScratch::default(); self.for_each_term(text, &mut s, |t| v.push(t.to_string())); v }
}
