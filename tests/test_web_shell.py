"""The web shell: localised layout, language switcher, RTL, error pages, config precedence."""

from __future__ import annotations

import os


def test_home_page_in_default_language(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="en-IN" dir="ltr">' in html
    assert 'href="/language/hi_IN' in html


def test_accept_language_picks_a_supported_language(client):
    html = client.get("/", headers={"Accept-Language": "hi-IN,hi;q=0.9"}).get_data(as_text=True)
    assert 'lang="hi-IN"' in html


def test_user_choice_beats_accept_language_and_is_remembered(client):
    response = client.get("/language/hi_IN?next=/")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    html = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'lang="hi-IN"' in html


def test_language_switch_never_redirects_off_site(client):
    response = client.get("/language/hi_IN?next=https://evil.example/")
    assert response.headers["Location"] == "/"


def test_unsupported_language_is_ignored(client):
    client.get("/language/xx")
    html = client.get("/").get_data(as_text=True)
    assert 'lang="en-IN"' in html


def test_rtl_profile_sets_dir(make_app, tmp_path):
    folder = tmp_path / "rtl"
    folder.mkdir()
    (folder / "profile.yaml").write_text(
        "schema_version: 1\ncountry: {alpha2: IQ, alpha3: IRQ, names: {en: Iraq}, "
        "timezone: Asia/Baghdad}\nlanguages:\n  default: ar_IQ\n  supported:\n"
        "    - {id: ar_IQ, direction: rtl, digits: arab}\n", encoding="utf-8")
    app = make_app(PROFILE=str(folder))
    html = app.test_client().get("/").get_data(as_text=True)
    assert '<html lang="ar-IQ" dir="rtl">' in html


def test_profile_loads_once_and_the_first_page_is_in_the_readers_language(make_app, tmp_path,
                                                                          monkeypatch):
    import shutil

    from cowin_kit.profiles import loader

    folder = tmp_path / "fresh-in"  # a copy: nothing of it is cached in this process yet
    shutil.copytree(os.path.join(os.path.dirname(loader.__file__), "..", "..",
                                 "country_profiles", "in"), folder)
    calls = []
    real = loader.validate_folder
    monkeypatch.setattr(loader, "validate_folder",
                        lambda *a, **kw: calls.append(a) or real(*a, **kw))
    app = make_app(PROFILE=str(folder))
    # Validating renders localised messages, whose locale choice needs the profile: that must
    # not start nested loads, nor leave the first page in the fallback language.
    html = app.test_client().get("/", headers={"Accept-Language": "hi"}).get_data(as_text=True)
    assert len(calls) == 1
    assert '<html lang="hi-IN" dir="ltr">' in html and "राष्ट्रीय टीकाकरण पोर्टल" in html


def test_not_found_is_an_html_page_for_browsers(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "text/html" in response.content_type
    assert "<h1>" in response.get_data(as_text=True)


def test_not_found_is_json_under_api(client):
    response = client.get("/api/kit/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "NOT_FOUND"
    assert response.json["error"]["message"]


def test_config_precedence_defaults_file_environment(tmp_path, monkeypatch):
    from cowin_kit.app import create_app

    config_file = tmp_path / "kit.yaml"
    config_file.write_text("PUBLIC_CACHE_SECONDS: 3\nSMS_BACKEND: log\n")
    monkeypatch.setenv("COWIN_KIT_CONFIG", str(config_file))
    monkeypatch.setenv("COWIN_KIT_SMS_BACKEND", "http")
    app = create_app(instance_path=str(tmp_path / "inst"))
    assert app.config["PUBLIC_CACHE_SECONDS"] == 3  # from the file
    assert app.config["SMS_BACKEND"] == "http"  # environment wins over the file
    assert app.config["OTP_MAX_TRIES"] == 3  # default
    assert app.config["DATABASE_URL"].startswith("sqlite:///")
    assert os.stat(tmp_path / "inst" / "secret_key").st_mode & 0o777 == 0o600
