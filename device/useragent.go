package device

import "strings"

// The tables are in order: the first match wins. Order matters because user agents claim to be
// each other: Edge and Opera say Chrome, Chrome says Safari, Android says Linux, iOS says
// "like Mac OS X".
var browsers = []struct{ token, name string }{
	{"Edg/", "Edge"},
	{"EdgA/", "Edge"},
	{"EdgiOS/", "Edge"},
	{"OPR/", "Opera"},
	{"SamsungBrowser/", "Samsung Internet"},
	{"Vivaldi/", "Vivaldi"},
	{"YaBrowser/", "Yandex Browser"},
	{"Firefox/", "Firefox"},
	{"FxiOS/", "Firefox"},
	{"CriOS/", "Chrome"},
	{"Chromium/", "Chromium"},
	{"Chrome/", "Chrome"},
	{"Version/", "Safari"}, // Safari puts its version in Version/; WebViews do not
}

var systems = []struct{ token, name string }{
	{"iPhone", "iOS"},
	{"iPad", "iPadOS"},
	{"iPod", "iOS"},
	{"Android", "Android"},
	{"CrOS", "ChromeOS"},
	{"Windows", "Windows"},
	{"Macintosh", "macOS"},
	{"Mac OS X", "macOS"},
	{"Linux", "Linux"},
	{"FreeBSD", "FreeBSD"},
}

// Describe says, for a person reading an alert, what device a user agent string names:
// "Firefox on Windows", "Safari on iOS", "Chrome" (system unknown), "Unknown browser on
// Linux", or "Unknown device". It is approximate on purpose: user agents are easy to fake and
// are not evidence.
func Describe(userAgent string) string {
	browser := match(userAgent, browsers)
	if browser == "Safari" && !strings.Contains(userAgent, "Safari/") {
		browser = ""
	}
	system := match(userAgent, systems)
	switch {
	case browser != "" && system != "":
		return browser + " on " + system
	case browser != "":
		return browser
	case system != "":
		return "Unknown browser on " + system
	}
	return "Unknown device"
}

func match(ua string, table []struct{ token, name string }) string {
	for _, e := range table {
		if strings.Contains(ua, e.token) {
			return e.name
		}
	}
	return ""
}
