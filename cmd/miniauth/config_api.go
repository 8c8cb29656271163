package main

import (
	"fmt"

	"miniauth/httperr"
)

// The API's language setting: the default language of error messages for requests whose
// Accept-Language names neither Chinese nor English.

var apiLanguageSettings = []setting{
	{"MINIAUTH_API_LANGUAGE", "api-language", "en", "zh or en: the language of API error messages when a request's Accept-Language names neither"},
}

func parseAPILanguage(lang *string, get func(env string) string) []error {
	l, ok := httperr.ParseLanguage(get("MINIAUTH_API_LANGUAGE"))
	if !ok {
		return []error{fmt.Errorf("MINIAUTH_API_LANGUAGE must be zh or en, got %q", get("MINIAUTH_API_LANGUAGE"))}
	}
	*lang = l
	return nil
}
