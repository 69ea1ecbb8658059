/**
 * English stop words for keyword and sentence scoring. Hand-written rather than a
 * package because transcripts are speech: besides the usual function words, the
 * list carries the conversational glue ("yeah", "gonna", "stuff", "basically") and
 * the everyday verbs that otherwise top every meeting's keyword list.
 * Entries are lower-case with ASCII apostrophes, matching `normalizeWord`.
 */
const WORDS = `
a about above across after afterwards again against all almost alone along already also although always am among
an and another any anybody anyhow anyone anything anyway anyways anywhere are aren't around as at away
back be became because become becomes been before beforehand behind being below beside besides between beyond both
but by can can't cannot could couldn't did didn't do does doesn't doing don't done down during
each either else elsewhere enough etc even ever every everybody everyone everything everywhere except
few for former formerly from further had hadn't has hasn't have haven't having he he'd he'll he's hence her here
here's hers herself him himself his how how's however i i'd i'll i'm i've ie if in indeed instead into is isn't it
it'd it'll it's its itself just latter latterly least less let let's lets may maybe me meanwhile might mine more
moreover most mostly much must mustn't my myself namely neither never nevertheless next no nobody none noone nor not
nothing now nowhere of off often on once only onto or other others otherwise ought our ours ourselves out over own
per perhaps quite rather re same shall shan't she she'd she'll she's should shouldn't since so some somebody somehow
someone something sometime sometimes somewhere still such than that that'll that's the their theirs them themselves
then thence there there'd there'll there're there's thereafter thereby therefore therein thereupon these they they'd
they'll they're they've this those though through throughout thru thus to together too toward towards under
unless until up upon us very via was wasn't we we'd we'll we're we've were weren't what what's whatever when when's
whence whenever where where's whereafter whereas whereby wherein whereupon wherever whether which while whither who
who's whoever whole whom whose why why's will with within without won't would wouldn't yet you you'd you'll you're
you've your yours yourself yourselves

oh ok okay yeah yep yup yes nope nah hey hi hello bye alright right well sure really actually basically literally
totally definitely probably obviously honestly seriously exactly certainly clearly simply pretty super very kinda
sorta gonna wanna gotta dunno lot lots bit little thing things stuff someone's way ways kind kinds sort sorts
like likes liked um umm uh uhh erm er ah ahh hmm hm mm mhm huh wow cool great good nice fine thanks thank please
sorry guy guys folks everybody's today's today tomorrow yesterday tonight ago soon later new old able

get gets got getting gotten go goes went going gone come comes came coming say says said saying tell tells told
know knows knew knowing known think thinks thought thinking mean means meant want wants wanted wanting see sees saw
seen seeing look looks looked looking make makes made making take takes took taken taking give gives gave given
put puts try tries tried trying feel feels felt seem seems seemed keep keeps kept let's need needs needed
guess suppose wonder talk talking talked

one two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty sixty seventy eighty
ninety hundred thousand million billion first second third half couple
`;

export const STOP_WORDS: ReadonlySet<string> = new Set(WORDS.split(/\s+/).filter((w) => w.length > 0));
