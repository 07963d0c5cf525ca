package prompt

// words are common lowercase English words that the GPT-2/Llama/Qwen style
// BPE vocabularies encode as one token each when preceded by a space.
var words = []string{
	"the", "of", "and", "to", "in", "is", "for", "that", "it", "on",
	"with", "as", "was", "be", "by", "at", "this", "are", "from", "or",
	"an", "have", "not", "but", "they", "which", "one", "you", "all", "were",
	"we", "there", "can", "been", "has", "more", "their", "if", "will", "would",
	"about", "who", "so", "what", "up", "out", "when", "some", "than", "into",
	"time", "only", "new", "other", "them", "two", "may", "first", "then", "do",
	"any", "like", "my", "now", "over", "such", "our", "man", "me", "even",
	"most", "made", "after", "also", "did", "many", "before", "must", "through", "back",
	"years", "where", "much", "your", "way", "well", "down", "should", "because", "each",
	"just", "those", "people", "how", "too", "little", "state", "good", "very", "make",
	"world", "still", "own", "see", "men", "work", "long", "get", "here", "between",
	"both", "life", "being", "under", "never", "day", "same", "another", "know", "while",
	"last", "might", "us", "great", "old", "year", "off", "come", "since", "against",
	"go", "came", "right", "used", "take", "three", "house", "use", "during", "without",
	"again", "place", "around", "however", "home", "small", "found", "thought", "went", "say",
	"part", "once", "general", "high", "upon", "school", "every", "does", "got", "united",
	"left", "number", "course", "war", "until", "always", "away", "something", "fact", "though",
	"water", "less", "public", "put", "think", "almost", "hand", "enough", "far", "took",
	"head", "yet", "government", "system", "better", "set", "told", "nothing", "night", "end",
	"why", "called", "change", "eyes", "find", "going", "look", "asked", "later", "point",
	"knew", "city", "next", "program", "business", "give", "group", "toward", "young", "days",
	"let", "room", "president", "side", "social", "given", "present", "several", "order", "national",
	"second", "possible", "rather", "per", "face", "among", "form", "important", "often", "things",
	"early", "children", "case", "money", "large", "open", "family", "body", "music", "power",
	"window", "light", "field", "market", "table", "story", "river", "paper", "green", "black",
	"white", "red", "blue", "north", "south", "east", "west", "book", "road", "door",
}
