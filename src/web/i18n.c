/* The page's fixed text in English, French and Vietnamese, and the choice among them by Accept-Language
 * (RFC 9110: q-values, "*", prefixes). Where English has NULL, the page uses the report's own sentence
 * (render/json.c), so that the page, `portlore PORT` and the API say the same thing in English. */
#include <string.h>

#include "internal.h"

static const char *const en[M_COUNT] = {
	[M_SITE_TAGLINE] = "what a port number is for, and what is on it",
	[M_PORTS] = "Ports",
	[M_PORT_N] = "Port %1",
	[M_PORT_N_NAME] = "Port %1 (%2)",
	[M_SEARCH_LABEL] = "Search the registry",
	[M_SEARCH_PLACEHOLDER] = "a port, a service or a word",
	[M_SEARCH_BUTTON] = "Search",
	[M_HOME_TITLE] = "Port numbers and what they are for",
	[M_HOME_INTRO] = "Every port number has an entry in IANA's Service Name and Transport Protocol Port Number "
			 "Registry, even if it only says that nobody has it. Type a port or a service to read it, "
			 "with what the port means on this host.",
	[M_HOME_TRY] = "For instance:",
	[M_RANGES] = "The three ranges",
	[M_RANGE_SYSTEM] = "System ports",
	[M_RANGE_USER] = "User ports",
	[M_RANGE_DYNAMIC] = "Dynamic ports",
	[M_RANGE_SYSTEM_DESC] = "Assigned by IANA through a standards process; most systems let only root bind them.",
	[M_RANGE_USER_DESC] = "Also called registered ports: assigned by IANA to whoever asks for one and says why.",
	[M_RANGE_DYNAMIC_DESC] = "Never assigned: left for temporary connections and private use.",
	[M_RANGE_COUNTS] = "%1 ports with a registered service, %2 of them ghosts",
	[M_REGISTRY_LINE] = "IANA registry as of %1 · %2 · %3 records",
	[M_SUMMARY_REGISTERED] = "Registered to %1.",
	[M_SUMMARY_NONE] = "No service is registered on port %1.",
	[M_SEC_WHAT] = "What port %1 is",
	[M_WHAT_SYSTEM] = "Port %1 is a system port (0–1023): IANA gives these out through a standards process.",
	[M_WHAT_USER] = "Port %1 is a user port, also called a registered port (1024–49151): IANA gives these "
			"out on request.",
	[M_WHAT_DYNAMIC] = "Port %1 is a dynamic or private port (49152–65535): IANA never gives these out.",
	[M_SEC_REG] = "Registration",
	[M_F_DESCRIPTION] = "Description",
	[M_F_ASSIGNEE] = "Assignee",
	[M_F_CONTACT] = "Contact",
	[M_F_REGISTERED] = "Registered",
	[M_F_MODIFIED] = "Last modified",
	[M_F_REFERENCES] = "References",
	[M_F_NOTES] = "Notes",
	[M_F_FOOTNOTE] = "Footnote",
	[M_F_SOURCE] = "Source (newer than IANA's file)",
	[M_F_MENTIONED] = "Named in the notes",
	[M_F_SERVICE_CODE] = "Service code",
	[M_F_UNAUTHORIZED] = "Unauthorised use reported",
	[M_F_RANGE] = "Ports",
	[M_DESC_NONE] = "none",
	[M_DESC_SAME] = "(only its name again)",
	[M_UNASSIGNED] = "Unassigned",
	[M_RESERVED] = "Reserved",
	[M_NO_REGISTRATION_FOR] = "No registration for %1.",
	[M_SNAPSHOT_THIN] = "This registry snapshot has names and descriptions only: no contacts, dates or "
			    "references. Running portlore update loads IANA's full registry.",
	[M_SEC_VERDICT] = "Verdict",
	[M_GHOST_THIN] = "Thin registration, in use: ‘%1’ says no more than its name and cites no reference, but "
			 "the port is in use: see what is more likely on port %2 below.",
	[M_SEC_LIKELY] = "What is more likely on port %1",
	[M_LIKELY_GHOST] = "Nobody ever said what %1 is, so software you meet on port %2 is almost certainly "
			   "something else. The usual suspects:",
	[M_LIKELY_REGISTERED] = "A registration reserves a number; it does not stop anything else from using it. "
				"Besides %1, port %2 may carry:",
	[M_LIKELY_NONE] = "No service is registered here, so whatever uses port %1 picked it by itself. Most often:",
	[M_LIKELY_APP] = "Application traffic: a program that talks to a peer on this number because both sides "
			 "were configured so, whatever the registry says.",
	[M_LIKELY_EPHEMERAL] = "Outgoing connections: the port is inside this host's ephemeral range (%1–%2), so "
			       "the kernel may use it as the local end of any connection a program opens.",
	[M_LIKELY_CUSTOM] = "Custom services: in-house tools, development servers and containers often take a "
			    "number that looks free, registered or not.",
	[M_LIKELY_SCANNERS] = "Scanners: machines on the internet knock on every port. A connection attempt to port "
			      "%1 says nothing about what runs here.",
	[M_LIKELY_SYSTEM] = "On a system port, a listener is usually started by root, or by a service manager that "
			    "binds the port for it.",
	[M_SEC_CHECK] = "How to check what is listening",
	[M_CHECK_NOTE] = "Run them as root (on Windows, as administrator) to see processes of other users.",
	[M_SEC_HOST] = "On this host",
	[M_HOST_HIDDEN] = "Sockets and processes are shown only to visitors on this machine itself (loopback), "
			  "unless the server is started with --expose-processes. Your connection does not come "
			  "from this machine, so they are left out.",
	[M_HOST_UNAVAILABLE] = "This host's sockets could not be read: %1",
	[M_HOST_NONE] = "Nothing uses port %1 on this host right now.",
	[M_HOST_AS_OF] = "Read at %1 UTC, by the server's reader process, which reads this host twice a second.",
	[M_COL_PROTO] = "Protocol",
	[M_COL_ADDR] = "Local address",
	[M_COL_STATE] = "State",
	[M_COL_PROCESS] = "Process",
	[M_COL_USER] = "User",
	[M_OWNER_HIDDEN] = "hidden from this server",
	[M_OWNER_NONE] = "no process",
	[M_HOST_MORE] = "%1 more sockets are not shown.",
	[M_LOCAL_MATCH] = "What listens here looks like the registered service, %1.",
	[M_LOCAL_MISMATCH] = "What listens here does not look like the registered service, %1.",
	[M_LOCAL_UNKNOWN] = "Whether what listens here is the registered service cannot be told.",
	[M_SEC_WHY] = "Why registered ports matter",
	[M_WHY_COLLISIONS] = "A registered number lets two programs whose authors never met stay out of each "
			     "other's way. When two of them want the same port, one fails to start, or a client "
			     "reaches the wrong server and sends it data meant for another.",
	[M_WHY_GHOSTS] = "That only works if every entry says what it is. A ghost, a name with no description "
			 "and no reference, keeps a number away from everyone while telling nobody what it is for: "
			 "it is the registry's own failure mode.",
	[M_SEC_NEARBY] = "Nearby ports",
	[M_NEARBY_UNASSIGNED] = "unassigned",
	[M_SAME_SERVICE] = "Other ports of %1",
	[M_SEC_FEEDBACK] = "Was this page helpful?",
	[M_VOTE_SAD] = "Not helpful",
	[M_VOTE_MEH] = "So-so",
	[M_VOTE_HAPPY] = "Helpful",
	[M_VOTE_THANKS] = "Thank you: your vote is counted.",
	[M_VOTE_ALREADY] = "You already voted on this page today; your first vote stands.",
	[M_VOTE_NOTE] = "One vote per visitor, page and day. Your address is not stored.",
	[M_FOOTER_REGISTRY] = "IANA registry as of %1, from %2.",
	[M_FOOTER_JSON] = "The same as JSON:",
	[M_SEARCH_TITLE] = "Search",
	[M_SEARCH_RESULTS] = "%1 results for “%2”",
	[M_SEARCH_NONE] = "Nothing in the registry matches “%1”.",
	[M_SEARCH_PROMPT] = "Type a service name, a word of its description or a port number.",
	[M_ERR_400] = "Bad request",
	[M_ERR_404] = "Not found",
	[M_ERR_404_TEXT] = "There is no page at this address.",
	[M_ERR_405] = "Method not allowed",
	[M_ERR_405_TEXT] = "This address does not take that method.",
	[M_ERR_413] = "Too large",
	[M_ERR_413_TEXT] = "A request body here is at most %1 bytes.",
	[M_ERR_500] = "Server error",
	[M_ERR_500_TEXT] = "The server could not answer; it has logged why.",
	[M_ERR_BAD_PORT] = "“%1” is not a port: a port is a number from 0 to 65535, in digits only.",
	[M_ERR_QUERY_LONG] = "The search is too long: at most %1 bytes.",
	[M_ERR_QUERY_BAD] = "The search is empty or holds a character that cannot be searched for.",
	[M_ERR_BAD_VOTE] = "A vote is sad, meh or happy.",
	[M_BACK_HOME] = "Back to the ports",
	[M_SEC_TRAFFIC] = "What crosses this port",
	[M_TRAFFIC_WAIT] = "The capture process has sent no summary yet: one comes every second.",
	[M_TRAFFIC_FAILED] = "The capture on %1 could not run: %2",
	[M_TRAFFIC_HIDDEN] = "What crosses the ports is shown only to visitors on this machine itself (loopback), unless the server was started with --expose-processes.",
	[M_TRAFFIC_NONE] = "Nothing has crossed port %1 since the capture began.",
	[M_TRAFFIC_OTHER] = "The capture saw %1 ports; only the %2 busiest are detailed, and this one is not among them.",
	[M_TRAFFIC_COUNTS] = "%1 flows, %2 of them from scanners · %3 packets to the server, %4 back · %5 clients",
	[M_TRAFFIC_SCANNERS] = "Scanners that probed it (%1):",
	[M_TRAFFIC_SCANNER] = "%1 (%2; %3 ports, %4 attempts)",
	[M_TRAFFIC_AS_OF] = "Captured on %1 since %2 UTC (%3 min), by the server's capture process; as of %4 UTC.",
	[M_TRAFFIC_STOPPED] = "The capture process has stopped: this is the last it sent.",
	[M_TRAFFIC_DROPPED] = "The kernel dropped %1 packets the capture could not read in time: every count here is a lower bound.",
	[M_COL_PROTOCOL] = "Protocol",
	[M_COL_FLOWS] = "Flows",
	[M_COL_NAMED_BY] = "Named by",
	[M_COL_PRODUCT] = "Product",
};

static const char *const fr[M_COUNT] = {
	[M_SITE_TAGLINE] = "à quoi sert un numéro de port, et ce qui l’occupe",
	[M_PORTS] = "Ports",
	[M_PORT_N] = "Port %1",
	[M_PORT_N_NAME] = "Port %1 (%2)",
	[M_SEARCH_LABEL] = "Chercher dans le registre",
	[M_SEARCH_PLACEHOLDER] = "un port, un service ou un mot",
	[M_SEARCH_BUTTON] = "Chercher",
	[M_HOME_TITLE] = "Les numéros de port et leur usage",
	[M_HOME_INTRO] = "Chaque numéro de port a une entrée dans le registre des noms de service et numéros de "
			 "port de l’IANA, même quand elle dit seulement que personne ne l’a. Tapez un port ou un "
			 "service pour la lire, avec ce que ce port signifie sur cette machine.",
	[M_HOME_TRY] = "Par exemple :",
	[M_RANGES] = "Les trois plages",
	[M_RANGE_SYSTEM] = "Ports système",
	[M_RANGE_USER] = "Ports utilisateur",
	[M_RANGE_DYNAMIC] = "Ports dynamiques",
	[M_RANGE_SYSTEM_DESC] = "Attribués par l’IANA au terme d’un processus de normalisation ; la plupart des "
				"systèmes les réservent à root.",
	[M_RANGE_USER_DESC] = "Dits aussi ports enregistrés : l’IANA les attribue à qui en demande un en disant "
			      "pourquoi.",
	[M_RANGE_DYNAMIC_DESC] = "Jamais attribués : laissés aux connexions temporaires et à l’usage privé.",
	[M_RANGE_COUNTS] = "%1 ports avec un service enregistré, dont %2 fantômes",
	[M_REGISTRY_LINE] = "Registre de l’IANA du %1 · %2 · %3 entrées",
	[M_SUMMARY_REGISTERED] = "Enregistré au nom de %1.",
	[M_SUMMARY_NONE] = "Aucun service n’est enregistré sur le port %1.",
	[M_SEC_WHAT] = "Ce qu’est le port %1",
	[M_WHAT_SYSTEM] = "Le port %1 est un port système (0–1023) : l’IANA les attribue au terme d’un "
			  "processus de normalisation.",
	[M_WHAT_USER] = "Le port %1 est un port utilisateur, ou port enregistré (1024–49151) : l’IANA les "
			"attribue sur demande.",
	[M_WHAT_DYNAMIC] = "Le port %1 est un port dynamique ou privé (49152–65535) : l’IANA ne les attribue "
			   "jamais.",
	[M_BIND_YES] = "Tout utilisateur peut ouvrir le port %1 sur cette machine (les ports non privilégiés "
		       "commencent à %2).",
	[M_BIND_NO] = "Ouvrir le port %1 sur cette machine demande root ou CAP_NET_BIND_SERVICE (les ports non "
		      "privilégiés commencent à %2).",
	[M_BIND_UNKNOWN] = "Impossible de savoir si un utilisateur ordinaire peut l’ouvrir ici : "
			   "net.ipv4.ip_unprivileged_port_start est illisible.",
	[M_EPH_IN] = "Il est dans la plage éphémère de cette machine (%1–%2) : le noyau peut le donner à "
		     "n’importe quelle connexion sortante, et un serveur qui le veut peut le trouver pris.",
	[M_EPH_IN_RESERVED] = "Il est dans la plage éphémère de cette machine (%1–%2), mais "
			      "net.ipv4.ip_local_reserved_ports l’en tient à l’écart.",
	[M_EPH_OUT] = "Il est hors de la plage éphémère de cette machine (%1–%2) : le noyau ne le donne pas aux "
		      "connexions sortantes.",
	[M_EPH_UNKNOWN] = "La plage éphémère de cette machine est inconnue : net.ipv4.ip_local_port_range est "
			  "illisible.",
	[M_SEC_REG] = "Enregistrement",
	[M_F_DESCRIPTION] = "Description",
	[M_F_ASSIGNEE] = "Titulaire",
	[M_F_CONTACT] = "Contact",
	[M_F_REGISTERED] = "Enregistré le",
	[M_F_MODIFIED] = "Modifié le",
	[M_F_REFERENCES] = "Références",
	[M_F_NOTES] = "Notes",
	[M_F_FOOTNOTE] = "Note de bas de page",
	[M_F_SOURCE] = "Source (plus récente que le fichier de l'IANA)",
	[M_F_MENTIONED] = "Cité dans les notes",
	[M_F_SERVICE_CODE] = "Code de service",
	[M_F_UNAUTHORIZED] = "Usage non autorisé signalé",
	[M_F_RANGE] = "Ports",
	[M_DESC_NONE] = "aucune",
	[M_DESC_SAME] = "(rien que son nom, répété)",
	[M_UNASSIGNED] = "Non attribué",
	[M_RESERVED] = "Réservé",
	[M_NO_REGISTRATION_FOR] = "Aucun enregistrement pour %1.",
	[M_SNAPSHOT_THIN] = "Cet instantané du registre n’a que les noms et les descriptions : ni contacts, ni "
			    "dates, ni références. La commande portlore update charge le registre complet de l’IANA.",
	[M_SEC_VERDICT] = "Verdict",
	[M_GHOST_YES] = "Enregistrement fantôme : « %1 » est attribué, mais sa description n’ajoute rien à son "
			"nom, et il ne cite ni RFC, ni brouillon, ni spécification publique. Un logiciel trouvé sur "
			"ce port a peu de chances d’être lui.",
	[M_GHOST_LIKELY] = "Probablement un enregistrement fantôme : « %1 » est attribué, mais sa description "
			   "n’ajoute rien à son nom. Cet instantané du registre ne contient aucune référence : une "
			   "RFC ou une spécification citée n’est donc pas exclue.",
	[M_GHOST_WHO] = " Sa seule trace est sa personne de contact, %1.",
	[M_GHOST_NO] = "Pas un fantôme : l’enregistrement décrit son service ou cite une référence.",
	[M_GHOST_NONE] = "Aucun service enregistré ici, donc rien à juger.",
	[M_GHOST_THIN] = "Enregistrement maigre, mais en usage : « %1 » ne dit rien de plus que son nom et ne cite "
			 "aucune référence, mais le port sert : voyez ci-dessous ce qu’on trouve plus probablement sur "
			 "le port %2.",
	[M_SEC_LIKELY] = "Ce qu’on trouve plus probablement sur le port %1",
	[M_LIKELY_GHOST] = "Personne n’a jamais dit ce qu’est %1 : un logiciel rencontré sur le port %2 est presque "
			   "sûrement autre chose. Les suspects habituels :",
	[M_LIKELY_REGISTERED] = "Un enregistrement réserve un numéro ; il n’empêche rien d’autre de s’en servir. "
				"Outre %1, le port %2 peut porter :",
	[M_LIKELY_NONE] = "Aucun service n’est enregistré ici : ce qui utilise le port %1 l’a choisi de lui-même. "
			  "Le plus souvent :",
	[M_LIKELY_APP] = "Du trafic applicatif : un programme qui parle à un pair sur ce numéro parce que les deux "
			 "côtés ont été configurés ainsi, quoi qu’en dise le registre.",
	[M_LIKELY_EPHEMERAL] = "Des connexions sortantes : le port est dans la plage éphémère de cette machine "
			       "(%1–%2), et le noyau peut en faire l’extrémité locale de toute connexion qu’un "
			       "programme ouvre.",
	[M_LIKELY_CUSTOM] = "Des services maison : outils internes, serveurs de développement et conteneurs "
			    "prennent souvent un numéro qui a l’air libre, enregistré ou non.",
	[M_LIKELY_SCANNERS] = "Des scanners : des machines d’internet frappent à tous les ports. Une tentative de "
			      "connexion au port %1 ne dit rien de ce qui tourne ici.",
	[M_LIKELY_SYSTEM] = "Sur un port système, le programme à l’écoute est en général lancé par root, ou par "
			    "un gestionnaire de services qui ouvre le port pour lui.",
	[M_SEC_CHECK] = "Comment voir ce qui écoute",
	[M_CHECK_NOTE] = "Lancez-les en root (sous Windows, en administrateur) pour voir les processus des autres "
			 "utilisateurs.",
	[M_SEC_HOST] = "Sur cette machine",
	[M_HOST_HIDDEN] = "Les sockets et les processus ne sont montrés qu’aux visiteurs sur cette machine même "
			  "(boucle locale), sauf si le serveur est lancé avec --expose-processes. Votre connexion ne "
			  "vient pas de cette machine : ils sont donc omis.",
	[M_HOST_UNAVAILABLE] = "Les sockets de cette machine n’ont pas pu être lues : %1",
	[M_HOST_NONE] = "Rien n’utilise le port %1 sur cette machine en ce moment.",
	[M_HOST_AS_OF] = "Lu à %1 UTC par le processus lecteur du serveur, qui relit cet hôte deux fois par seconde.",
	[M_COL_PROTO] = "Protocole",
	[M_COL_ADDR] = "Adresse locale",
	[M_COL_STATE] = "État",
	[M_COL_PROCESS] = "Processus",
	[M_COL_USER] = "Utilisateur",
	[M_OWNER_HIDDEN] = "caché à ce serveur",
	[M_OWNER_NONE] = "aucun processus",
	[M_HOST_MORE] = "%1 autres sockets ne sont pas montrées.",
	[M_LOCAL_MATCH] = "Ce qui écoute ici ressemble au service enregistré, %1.",
	[M_LOCAL_MISMATCH] = "Ce qui écoute ici ne ressemble pas au service enregistré, %1 : ce n’est pas lui.",
	[M_LOCAL_UNKNOWN] = "Impossible de dire si ce qui écoute ici est le service enregistré.",
	[M_SEC_WHY] = "Pourquoi les ports enregistrés comptent",
	[M_WHY_COLLISIONS] = "Un numéro enregistré permet à deux programmes dont les auteurs ne se sont jamais "
			     "rencontrés de ne pas se gêner. Quand deux d’entre eux veulent le même port, l’un ne "
			     "démarre pas, ou un client joint le mauvais serveur et lui envoie des données destinées "
			     "à un autre.",
	[M_WHY_GHOSTS] = "Cela ne marche que si chaque entrée dit ce qu’elle est. Un fantôme, un nom sans "
			 "description ni référence, prive tout le monde d’un numéro sans dire à personne à quoi il "
			 "sert : c’est le mode de défaillance propre au registre.",
	[M_SEC_NEARBY] = "Ports voisins",
	[M_NEARBY_UNASSIGNED] = "non attribué",
	[M_SAME_SERVICE] = "Autres ports de %1",
	[M_SEC_FEEDBACK] = "Cette page vous a-t-elle été utile ?",
	[M_VOTE_SAD] = "Pas utile",
	[M_VOTE_MEH] = "Moyennement",
	[M_VOTE_HAPPY] = "Utile",
	[M_VOTE_THANKS] = "Merci : votre vote est compté.",
	[M_VOTE_ALREADY] = "Vous avez déjà voté sur cette page aujourd’hui ; votre premier vote est conservé.",
	[M_VOTE_NOTE] = "Un vote par visiteur, par page et par jour. Votre adresse n’est pas conservée.",
	[M_FOOTER_REGISTRY] = "Registre de l’IANA du %1, d’après %2.",
	[M_FOOTER_JSON] = "La même chose en JSON :",
	[M_SEARCH_TITLE] = "Recherche",
	[M_SEARCH_RESULTS] = "%1 résultats pour « %2 »",
	[M_SEARCH_NONE] = "Rien dans le registre ne correspond à « %1 ».",
	[M_SEARCH_PROMPT] = "Tapez un nom de service, un mot de sa description ou un numéro de port.",
	[M_ERR_400] = "Requête invalide",
	[M_ERR_404] = "Introuvable",
	[M_ERR_404_TEXT] = "Il n’y a pas de page à cette adresse.",
	[M_ERR_405] = "Méthode non permise",
	[M_ERR_405_TEXT] = "Cette adresse n’accepte pas cette méthode.",
	[M_ERR_413] = "Trop gros",
	[M_ERR_413_TEXT] = "Le corps d’une requête est limité ici à %1 octets.",
	[M_ERR_500] = "Erreur du serveur",
	[M_ERR_500_TEXT] = "Le serveur n’a pas pu répondre ; il a noté pourquoi dans son journal.",
	[M_ERR_BAD_PORT] = "« %1 » n’est pas un port : un port est un nombre de 0 à 65535, écrit en chiffres "
			   "seulement.",
	[M_ERR_QUERY_LONG] = "La recherche est trop longue : %1 octets au plus.",
	[M_ERR_QUERY_BAD] = "La recherche est vide ou contient un caractère qu’on ne peut pas chercher.",
	[M_ERR_BAD_VOTE] = "Un vote vaut sad, meh ou happy.",
	[M_BACK_HOME] = "Retour aux ports",
	[M_SEC_TRAFFIC] = "Ce qui passe par ce port",
	[M_TRAFFIC_WAIT] = "Le processus de capture n’a encore envoyé aucun état : il en envoie un chaque seconde.",
	[M_TRAFFIC_FAILED] = "La capture sur %1 n’a pas pu démarrer : %2",
	[M_TRAFFIC_HIDDEN] = "Ce qui passe par les ports n’est montré qu’aux visiteurs sur cette machine même (loopback), sauf si le serveur a été lancé avec --expose-processes.",
	[M_TRAFFIC_NONE] = "Rien n’est passé par le port %1 depuis le début de la capture.",
	[M_TRAFFIC_OTHER] = "La capture a vu %1 ports ; seuls les %2 plus actifs sont détaillés, et celui-ci n’en fait pas partie.",
	[M_TRAFFIC_COUNTS] = "%1 flux, dont %2 de scanners · %3 paquets vers le serveur, %4 en retour · %5 clients",
	[M_TRAFFIC_SCANNERS] = "Scanners qui l’ont sondé (%1) :",
	[M_TRAFFIC_SCANNER] = "%1 (%2 ; %3 ports, %4 tentatives)",
	[M_TRAFFIC_AS_OF] = "Capturé sur %1 depuis %2 UTC (%3 min) par le processus de capture du serveur ; état à %4 UTC.",
	[M_TRAFFIC_STOPPED] = "Le processus de capture s’est arrêté : voici le dernier état qu’il a envoyé.",
	[M_TRAFFIC_DROPPED] = "Le noyau a perdu %1 paquets que la capture n’a pas lus à temps : chaque nombre ici est un minimum.",
	[M_COL_PROTOCOL] = "Protocole",
	[M_COL_FLOWS] = "Flux",
	[M_COL_NAMED_BY] = "Identifié par",
	[M_COL_PRODUCT] = "Produit",
};

static const char *const vi[M_COUNT] = {
	[M_SITE_TAGLINE] = "một số cổng dùng để làm gì, và cái gì đang chiếm nó",
	[M_PORTS] = "Cổng",
	[M_PORT_N] = "Cổng %1",
	[M_PORT_N_NAME] = "Cổng %1 (%2)",
	[M_SEARCH_LABEL] = "Tìm trong sổ đăng ký",
	[M_SEARCH_PLACEHOLDER] = "một cổng, một dịch vụ hoặc một từ",
	[M_SEARCH_BUTTON] = "Tìm",
	[M_HOME_TITLE] = "Các số cổng và công dụng của chúng",
	[M_HOME_INTRO] = "Mỗi số cổng đều có một mục trong sổ đăng ký tên dịch vụ và số cổng của IANA, kể cả khi "
			 "mục đó chỉ nói rằng chưa ai nhận nó. Hãy gõ một cổng hoặc một dịch vụ để xem, cùng với ý "
			 "nghĩa của cổng đó trên máy này.",
	[M_HOME_TRY] = "Ví dụ:",
	[M_RANGES] = "Ba dải cổng",
	[M_RANGE_SYSTEM] = "Cổng hệ thống",
	[M_RANGE_USER] = "Cổng người dùng",
	[M_RANGE_DYNAMIC] = "Cổng động",
	[M_RANGE_SYSTEM_DESC] = "Do IANA cấp qua một quy trình tiêu chuẩn hoá; trên phần lớn các hệ thống chỉ "
				"root mới được mở chúng.",
	[M_RANGE_USER_DESC] = "Còn gọi là cổng đã đăng ký: IANA cấp cho ai xin và nêu lý do.",
	[M_RANGE_DYNAMIC_DESC] = "Không bao giờ được cấp: dành cho các kết nối tạm thời và việc dùng riêng.",
	[M_RANGE_COUNTS] = "%1 cổng có dịch vụ đã đăng ký, trong đó %2 là bóng ma",
	[M_REGISTRY_LINE] = "Sổ đăng ký IANA ngày %1 · %2 · %3 mục",
	[M_SUMMARY_REGISTERED] = "Đã đăng ký cho %1.",
	[M_SUMMARY_NONE] = "Không có dịch vụ nào được đăng ký trên cổng %1.",
	[M_SEC_WHAT] = "Cổng %1 là gì",
	[M_WHAT_SYSTEM] = "Cổng %1 là một cổng hệ thống (0–1023): IANA cấp các cổng này qua một quy trình tiêu "
			  "chuẩn hoá.",
	[M_WHAT_USER] = "Cổng %1 là một cổng người dùng, còn gọi là cổng đã đăng ký (1024–49151): IANA cấp các "
			"cổng này theo yêu cầu.",
	[M_WHAT_DYNAMIC] = "Cổng %1 là một cổng động hay cổng riêng (49152–65535): IANA không bao giờ cấp các "
			   "cổng này.",
	[M_BIND_YES] = "Trên máy này, bất kỳ người dùng nào cũng có thể mở cổng %1 (các cổng không đặc quyền bắt "
		       "đầu từ %2).",
	[M_BIND_NO] = "Trên máy này, mở cổng %1 cần quyền root hoặc CAP_NET_BIND_SERVICE (các cổng không đặc "
		      "quyền bắt đầu từ %2).",
	[M_BIND_UNKNOWN] = "Không biết người dùng thường có mở được cổng này ở đây không: không đọc được "
			   "net.ipv4.ip_unprivileged_port_start.",
	[M_EPH_IN] = "Cổng này nằm trong dải tạm thời của máy này (%1–%2): nhân hệ điều hành có thể giao nó cho "
		     "bất kỳ kết nối đi ra nào, nên một máy chủ muốn dùng nó có thể thấy nó đã bị chiếm.",
	[M_EPH_IN_RESERVED] = "Cổng này nằm trong dải tạm thời của máy này (%1–%2), nhưng "
			      "net.ipv4.ip_local_reserved_ports giữ nó ra khỏi dải đó.",
	[M_EPH_OUT] = "Cổng này nằm ngoài dải tạm thời của máy này (%1–%2): nhân không giao nó cho các kết nối "
		      "đi ra.",
	[M_EPH_UNKNOWN] = "Không biết dải tạm thời của máy này: không đọc được net.ipv4.ip_local_port_range.",
	[M_SEC_REG] = "Đăng ký",
	[M_F_DESCRIPTION] = "Mô tả",
	[M_F_ASSIGNEE] = "Người được cấp",
	[M_F_CONTACT] = "Liên hệ",
	[M_F_REGISTERED] = "Ngày đăng ký",
	[M_F_MODIFIED] = "Sửa lần cuối",
	[M_F_REFERENCES] = "Tài liệu tham chiếu",
	[M_F_NOTES] = "Ghi chú",
	[M_F_FOOTNOTE] = "Chú thích cuối",
	[M_F_SOURCE] = "Nguồn (mới hơn tệp của IANA)",
	[M_F_MENTIONED] = "Được nêu trong ghi chú",
	[M_F_SERVICE_CODE] = "Mã dịch vụ",
	[M_F_UNAUTHORIZED] = "Đã báo cáo sử dụng trái phép",
	[M_F_RANGE] = "Cổng",
	[M_DESC_NONE] = "không có",
	[M_DESC_SAME] = "(chỉ lặp lại tên của nó)",
	[M_UNASSIGNED] = "Chưa cấp",
	[M_RESERVED] = "Dành riêng",
	[M_NO_REGISTRATION_FOR] = "Không có đăng ký cho %1.",
	[M_SNAPSHOT_THIN] = "Bản chụp sổ đăng ký này chỉ có tên và mô tả: không có người liên hệ, ngày tháng hay "
			    "tài liệu tham chiếu. Lệnh portlore update tải sổ đăng ký đầy đủ của IANA.",
	[M_SEC_VERDICT] = "Kết luận",
	[M_GHOST_YES] = "Đăng ký bóng ma: “%1” đã được cấp, nhưng mô tả của nó không nói thêm gì ngoài cái tên, "
			"và nó không dẫn RFC, bản thảo hay đặc tả công khai nào. Phần mềm tìm thấy trên cổng này khó "
			"mà là nó.",
	[M_GHOST_LIKELY] = "Có lẽ là một đăng ký bóng ma: “%1” đã được cấp, nhưng mô tả của nó không nói thêm gì "
			   "ngoài cái tên. Bản chụp sổ đăng ký này không chứa tài liệu tham chiếu nào, nên chưa thể "
			   "loại trừ một RFC hay đặc tả được dẫn.",
	[M_GHOST_WHO] = " Dấu vết duy nhất của nó là người liên hệ, %1.",
	[M_GHOST_NO] = "Không phải bóng ma: đăng ký có mô tả dịch vụ của nó hoặc dẫn một tài liệu tham chiếu.",
	[M_GHOST_NONE] = "Không có dịch vụ nào được đăng ký ở đây, nên không có gì để đánh giá.",
	[M_GHOST_THIN] = "Đăng ký sơ sài nhưng đang được dùng: “%1” không nói thêm gì ngoài cái tên và không dẫn tài "
			 "liệu tham chiếu nào, nhưng cổng này đang được sử dụng: xem bên dưới thứ nhiều khả năng có trên "
			 "cổng %2.",
	[M_SEC_LIKELY] = "Thứ nhiều khả năng có trên cổng %1",
	[M_LIKELY_GHOST] = "Chưa ai từng nói %1 là gì, nên phần mềm bạn gặp trên cổng %2 gần như chắc chắn là thứ "
			   "khác. Những nghi phạm quen thuộc:",
	[M_LIKELY_REGISTERED] = "Một đăng ký chỉ giữ chỗ một con số; nó không ngăn thứ khác dùng số đó. Ngoài %1, "
				"cổng %2 có thể mang:",
	[M_LIKELY_NONE] = "Không có dịch vụ nào được đăng ký ở đây, nên thứ gì dùng cổng %1 là tự nó chọn. Thường "
			  "gặp nhất:",
	[M_LIKELY_APP] = "Lưu lượng ứng dụng: một chương trình nói chuyện với đầu bên kia qua số này vì cả hai "
			 "phía được cấu hình như vậy, bất kể sổ đăng ký nói gì.",
	[M_LIKELY_EPHEMERAL] = "Kết nối đi ra: cổng nằm trong dải tạm thời của máy này (%1–%2), nên nhân có thể "
			       "dùng nó làm đầu cục bộ của bất kỳ kết nối nào một chương trình mở ra.",
	[M_LIKELY_CUSTOM] = "Dịch vụ tự làm: công cụ nội bộ, máy chủ phát triển và container thường lấy một số "
			    "trông có vẻ còn trống, dù đã đăng ký hay chưa.",
	[M_LIKELY_SCANNERS] = "Máy quét: các máy trên internet gõ cửa mọi cổng. Một lần thử kết nối tới cổng %1 "
			      "không nói lên điều gì về thứ đang chạy ở đây.",
	[M_LIKELY_SYSTEM] = "Trên một cổng hệ thống, chương trình lắng nghe thường do root khởi động, hoặc do một "
			    "trình quản lý dịch vụ mở cổng thay cho nó.",
	[M_SEC_CHECK] = "Cách kiểm tra thứ gì đang lắng nghe",
	[M_CHECK_NOTE] = "Hãy chạy chúng với quyền root (trên Windows, quyền quản trị) để thấy tiến trình của "
			 "người dùng khác.",
	[M_SEC_HOST] = "Trên máy này",
	[M_HOST_HIDDEN] = "Socket và tiến trình chỉ hiển thị cho người truy cập từ chính máy này (loopback), trừ "
			  "khi máy chủ được chạy với --expose-processes. Kết nối của bạn không đến từ máy này, nên "
			  "chúng được lược bỏ.",
	[M_HOST_UNAVAILABLE] = "Không đọc được các socket của máy này: %1",
	[M_HOST_NONE] = "Hiện không có gì dùng cổng %1 trên máy này.",
	[M_HOST_AS_OF] = "Đọc lúc %1 UTC bởi tiến trình đọc của máy chủ, đọc lại máy này hai lần mỗi giây.",
	[M_COL_PROTO] = "Giao thức",
	[M_COL_ADDR] = "Địa chỉ cục bộ",
	[M_COL_STATE] = "Trạng thái",
	[M_COL_PROCESS] = "Tiến trình",
	[M_COL_USER] = "Người dùng",
	[M_OWNER_HIDDEN] = "máy chủ này không được xem",
	[M_OWNER_NONE] = "không có tiến trình",
	[M_HOST_MORE] = "Còn %1 socket khác không được hiển thị.",
	[M_LOCAL_MATCH] = "Thứ đang lắng nghe ở đây có vẻ là dịch vụ đã đăng ký, %1.",
	[M_LOCAL_MISMATCH] = "Thứ đang lắng nghe ở đây không giống dịch vụ đã đăng ký, %1: đó không phải là nó.",
	[M_LOCAL_UNKNOWN] = "Không thể biết thứ đang lắng nghe ở đây có phải là dịch vụ đã đăng ký hay không.",
	[M_SEC_WHY] = "Vì sao cổng đã đăng ký lại quan trọng",
	[M_WHY_COLLISIONS] = "Một số đã đăng ký giúp hai chương trình mà tác giả chưa từng gặp nhau khỏi giẫm chân "
			     "nhau. Khi cả hai cùng muốn một cổng, một bên không khởi động được, hoặc một máy khách "
			     "gọi nhầm máy chủ và gửi cho nó dữ liệu dành cho bên khác.",
	[M_WHY_GHOSTS] = "Điều đó chỉ đúng khi mỗi mục nói rõ nó là gì. Một bóng ma, một cái tên không mô tả và "
			 "không tài liệu tham chiếu, giữ một con số khỏi tay mọi người mà không cho ai biết nó dùng "
			 "để làm gì: đó là kiểu thất bại của chính sổ đăng ký.",
	[M_SEC_NEARBY] = "Các cổng lân cận",
	[M_NEARBY_UNASSIGNED] = "chưa cấp",
	[M_SAME_SERVICE] = "Các cổng khác của %1",
	[M_SEC_FEEDBACK] = "Trang này có hữu ích không?",
	[M_VOTE_SAD] = "Không hữu ích",
	[M_VOTE_MEH] = "Tạm được",
	[M_VOTE_HAPPY] = "Hữu ích",
	[M_VOTE_THANKS] = "Cảm ơn bạn: phiếu của bạn đã được tính.",
	[M_VOTE_ALREADY] = "Hôm nay bạn đã bỏ phiếu cho trang này; phiếu đầu tiên của bạn được giữ.",
	[M_VOTE_NOTE] = "Mỗi người một phiếu cho mỗi trang mỗi ngày. Địa chỉ của bạn không được lưu.",
	[M_FOOTER_REGISTRY] = "Sổ đăng ký IANA ngày %1, theo %2.",
	[M_FOOTER_JSON] = "Cùng nội dung dạng JSON:",
	[M_SEARCH_TITLE] = "Tìm kiếm",
	[M_SEARCH_RESULTS] = "%1 kết quả cho “%2”",
	[M_SEARCH_NONE] = "Không có gì trong sổ đăng ký khớp với “%1”.",
	[M_SEARCH_PROMPT] = "Hãy gõ tên dịch vụ, một từ trong mô tả của nó hoặc một số cổng.",
	[M_ERR_400] = "Yêu cầu không hợp lệ",
	[M_ERR_404] = "Không tìm thấy",
	[M_ERR_404_TEXT] = "Không có trang nào ở địa chỉ này.",
	[M_ERR_405] = "Phương thức không được phép",
	[M_ERR_405_TEXT] = "Địa chỉ này không nhận phương thức đó.",
	[M_ERR_413] = "Quá lớn",
	[M_ERR_413_TEXT] = "Phần thân của một yêu cầu ở đây tối đa %1 byte.",
	[M_ERR_500] = "Lỗi máy chủ",
	[M_ERR_500_TEXT] = "Máy chủ không trả lời được; nó đã ghi lại lý do.",
	[M_ERR_BAD_PORT] = "“%1” không phải là một cổng: cổng là một số từ 0 đến 65535, chỉ viết bằng chữ số.",
	[M_ERR_QUERY_LONG] = "Chuỗi tìm kiếm quá dài: tối đa %1 byte.",
	[M_ERR_QUERY_BAD] = "Chuỗi tìm kiếm trống hoặc chứa một ký tự không thể tìm.",
	[M_ERR_BAD_VOTE] = "Một phiếu là sad, meh hoặc happy.",
	[M_BACK_HOME] = "Quay lại danh sách cổng",
	[M_SEC_TRAFFIC] = "Lưu lượng qua cổng này",
	[M_TRAFFIC_WAIT] = "Tiến trình bắt gói chưa gửi bản tóm tắt nào: mỗi giây nó gửi một bản.",
	[M_TRAFFIC_FAILED] = "Không thể bắt gói trên %1: %2",
	[M_TRAFFIC_HIDDEN] = "Lưu lượng qua các cổng chỉ hiển thị cho người truy cập từ chính máy này (loopback), trừ khi máy chủ được chạy với --expose-processes.",
	[M_TRAFFIC_NONE] = "Không có gì qua cổng %1 kể từ khi bắt đầu bắt gói.",
	[M_TRAFFIC_OTHER] = "Đã thấy %1 cổng; chỉ %2 cổng bận nhất được nêu chi tiết, và cổng này không nằm trong số đó.",
	[M_TRAFFIC_COUNTS] = "%1 luồng, %2 từ máy quét · %3 gói tới máy chủ, %4 gói trả về · %5 máy khách",
	[M_TRAFFIC_SCANNERS] = "Máy quét đã dò cổng này (%1):",
	[M_TRAFFIC_SCANNER] = "%1 (%2; %3 cổng, %4 lần thử)",
	[M_TRAFFIC_AS_OF] = "Bắt gói trên %1 từ %2 UTC (%3 phút) bởi tiến trình bắt gói của máy chủ; cập nhật lúc %4 UTC.",
	[M_TRAFFIC_STOPPED] = "Tiến trình bắt gói đã dừng: đây là lần cuối nó gửi.",
	[M_TRAFFIC_DROPPED] = "Nhân hệ điều hành đã bỏ %1 gói mà tiến trình bắt gói không đọc kịp: mọi con số ở đây là giá trị tối thiểu.",
	[M_COL_PROTOCOL] = "Giao thức",
	[M_COL_FLOWS] = "Luồng",
	[M_COL_NAMED_BY] = "Nhận diện bởi",
	[M_COL_PRODUCT] = "Sản phẩm",
};

static const char *const *const tables[PL_LANG_COUNT] = {en, fr, vi};
static const char *const tags[PL_LANG_COUNT] = {"en", "fr", "vi"};

const char *pl_web_lang_tag(pl_lang l)
{
	return tags[l];
}

const char *pl_web_msg(pl_lang l, pl_msg m)
{
	const char *s = tables[l][m];
	return s || l == PL_LANG_EN ? s : en[m];
}

int pl_web_trv(pl_buf *b, pl_lang l, pl_msg m, const char *const *args, size_t nargs)
{
	const char *s = pl_web_msg(l, m);
	if (!s)
		return 0;
	int rc = 0;
	while (*s && rc == 0) {
		const char *pct = strchr(s, '%');
		while (pct && !(pct[1] >= '1' && pct[1] <= '9'))
			pct = strchr(pct + 1, '%');
		if (!pct)
			return pl_web_esc(b, s);
		rc = pl_web_escn(b, s, (size_t)(pct - s));
		size_t i = (size_t)(pct[1] - '1');
		if (rc == 0 && i < nargs)
			rc = pl_web_esc(b, args[i]);
		s = pct + 2;
	}
	return rc;
}

void pl_web_fmtv(char *out, size_t size, pl_lang l, pl_msg m, const char *const *args, size_t nargs)
{
	const char *s = pl_web_msg(l, m);
	size_t o = 0;
	for (; s && *s && o + 1 < size; s++) {
		if (s[0] == '%' && s[1] >= '1' && s[1] <= '9') {
			size_t i = (size_t)(s[1] - '1');
			for (const char *a = i < nargs ? args[i] : ""; *a && o + 1 < size; a++)
				out[o++] = *a;
			s++;
		} else
			out[o++] = *s;
	}
	if (size)
		out[o] = 0;
}

/* One language range of the header: its tag, and its weight in thousandths (q=0.5 -> 500). */
static int parse_q(const char *p, const char *end)
{
	/* p points after "q=": "1", "1.0", "0", "0.", "0.xyz" (RFC 9110 qvalue) */
	if (p >= end)
		return -1;
	if (*p == '1') {
		for (p++, p += p < end && *p == '.'; p < end && *p == '0'; p++)
			;
		return p == end ? 1000 : -1;
	}
	if (*p != '0')
		return -1;
	p++;
	int q = 0, digits = 0;
	if (p < end && *p == '.')
		for (p++; p < end && *p >= '0' && *p <= '9' && digits < 3; p++, digits++)
			q = q * 10 + (*p - '0');
	if (p != end)
		return -1;
	while (digits++ < 3)
		q *= 10;
	return q;
}

pl_lang pl_web_lang_pick(const char *h)
{
	int best_q = 0;
	pl_lang best = PL_LANG_EN;
	if (!h)
		return PL_LANG_EN;
	/* The header is bounded by libmicrohttpd's memory limit per connection; each range is looked at once. */
	while (*h) {
		while (*h == ' ' || *h == '\t' || *h == ',')
			h++;
		const char *tag = h;
		while (*h && *h != ';' && *h != ',' && *h != ' ' && *h != '\t')
			h++;
		size_t taglen = (size_t)(h - tag);
		int q = 1000;
		while (*h && *h != ',') {
			/* parameters: only q matters */
			while (*h == ' ' || *h == '\t' || *h == ';')
				h++;
			const char *par = h;
			while (*h && *h != ';' && *h != ',')
				h++;
			const char *end = h;
			while (end > par && (end[-1] == ' ' || end[-1] == '\t'))
				end--;
			if (end - par >= 2 && (par[0] == 'q' || par[0] == 'Q') && par[1] == '=')
				q = parse_q(par + 2, end);
		}
		/* "*" and unknown tags leave English, the default */
		if (taglen == 0 || q <= 0)
			continue;
		for (int l = 0; l < PL_LANG_COUNT; l++) {
			/* "fr" matches "fr", "fr-CA", "fr_FR" (a common mistake) */
			if (taglen >= 2 && pl_strncaseeq(tag, tags[l], 2) && (taglen == 2 || tag[2] == '-' || tag[2] == '_')) {
				if (q > best_q) {
					best_q = q;
					best = (pl_lang)l;
				}
				break;
			}
		}
	}
	return best;
}
