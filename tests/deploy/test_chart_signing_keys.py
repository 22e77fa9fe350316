"""Signing keys in the chart (issue #14): never a release without keys, keys made once by a
pre-install Job into a Secret Helm does not own, or the ministry's own Secret."""

from __future__ import annotations

from tests.deploy.conftest import PRODUCTION_VALUES, SIGNER_DEPLOYMENT  # keys: signer pods only

KEYS_JOB = "cowin-kit-signing-keys"


def test_by_default_a_pre_install_job_makes_the_keys_once_into_a_secret_helm_does_not_own(render):
    rendered = render()
    job = rendered.one("Job", KEYS_JOB)
    annotations = job["metadata"]["annotations"]
    assert annotations["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert annotations["helm.sh/hook-delete-policy"] == "before-hook-creation,hook-succeeded"
    migrate = rendered.one("Job", "cowin-kit-migrate")["metadata"]["annotations"]
    assert int(annotations["helm.sh/hook-weight"]) > int(migrate["helm.sh/hook-weight"])
    pod = job["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert container["command"] + container["args"][:4] == [
        "cowin-kit", "keys", "provision-secret", "--name", KEYS_JOB]
    # Helm renders no such Secret: it is created by the Job, so neither an upgrade nor an
    # uninstall touches it.
    assert [s for s in rendered.of_kind("Secret") if s["metadata"]["name"] == KEYS_JOB] == []
    # The web pods read exactly that Secret.
    volumes = {v["name"]: v for v in rendered.one("Deployment", SIGNER_DEPLOYMENT)["spec"]["template"]["spec"]["volumes"]}
    assert volumes["signing-keys-secret"]["secret"]["secretName"] == KEYS_JOB
    env = {e["name"]: e for e in container["env"]}
    assert env["COWIN_KIT_KEYS_DIR"]["value"].startswith("/tmp/")  # in-memory, gone with the pod
    assert env["COWIN_KIT_PUBLIC_URL"]["value"] == "https://cowin.example.org"  # the keys' did:web
    assert not {"COWIN_KIT_DATABASE_URL", "COWIN_KIT_SECRET_KEY", "COWIN_KIT_SMS_HTTP_TOKEN"} & set(env)


def test_the_keys_job_may_read_only_its_secret_and_runs_hardened(render):
    rendered = render()
    pod = rendered.one("Job", KEYS_JOB)["spec"]["template"]["spec"]
    account = pod["serviceAccountName"]
    assert account == KEYS_JOB and pod["automountServiceAccountToken"] is True
    assert rendered.one("ServiceAccount", account)["metadata"]["annotations"]["helm.sh/hook"]
    role = rendered.one("Role", KEYS_JOB)
    assert role["rules"] == [
        {"apiGroups": [""], "resources": ["secrets"], "resourceNames": [KEYS_JOB], "verbs": ["get"]},
        {"apiGroups": [""], "resources": ["secrets"], "verbs": ["create"]},
    ]
    binding = rendered.one("RoleBinding", KEYS_JOB)
    assert binding["roleRef"]["name"] == KEYS_JOB
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": account, "namespace": "cowin"}]
    for doc in (role, binding, rendered.one("ServiceAccount", account)):
        annotations = doc["metadata"]["annotations"]
        assert int(annotations["helm.sh/hook-weight"]) < int(
            rendered.one("Job", KEYS_JOB)["metadata"]["annotations"]["helm.sh/hook-weight"])
    # no other account of the release may touch Secrets
    assert rendered.of_kind("ClusterRole") == [] and len(rendered.of_kind("Role")) == 1
    assert pod["securityContext"]["runAsNonRoot"] is True
    security = pod["containers"][0]["securityContext"]
    assert security["readOnlyRootFilesystem"] is True and security["capabilities"] == {"drop": ["ALL"]}


def test_an_existing_secret_is_used_and_no_job_runs(render):
    rendered = render(values_files=[PRODUCTION_VALUES])
    assert [j["metadata"]["name"] for j in rendered.of_kind("Job")] == ["cowin-kit-migrate"]
    assert rendered.of_kind("Role") == []
    volumes = {v["name"]: v for v in rendered.one("Deployment", SIGNER_DEPLOYMENT)["spec"]["template"]["spec"]["volumes"]}
    assert volumes["signing-keys-secret"]["secret"]["secretName"] == "cowin-kit-signing-keys"


def test_a_release_without_keys_is_refused(render):
    done = render(set={"signingKeys.generate.enabled": "false"}, expect_ok=False)
    assert done.returncode != 0
    assert "set signingKeys.existingSecret" in done.stderr and "signingKeys.generate.enabled=true" in done.stderr


def test_the_generated_secret_name_can_be_chosen(render):
    rendered = render(set={"signingKeys.generate.secretName": "ministry-keys"})
    container = rendered.one("Job", KEYS_JOB)["spec"]["template"]["spec"]["containers"][0]
    assert container["args"][3] == "ministry-keys"
    assert rendered.one("Role", KEYS_JOB)["rules"][0]["resourceNames"] == ["ministry-keys"]
    volumes = {v["name"]: v for v in rendered.one("Deployment", SIGNER_DEPLOYMENT)["spec"]["template"]["spec"]["volumes"]}
    assert volumes["signing-keys-secret"]["secret"]["secretName"] == "ministry-keys"


def test_the_keys_job_reads_the_ministry_profile(render, tmp_path):
    profile = "schema_version: 1\n"
    rendered = render(set={"migration.enabled": "false"},
                      values={"profile": {"files": {"profileYaml": profile}}})
    volumes = rendered.one("Job", KEYS_JOB)["spec"]["template"]["spec"]["volumes"]
    name = next(v for v in volumes if v["name"] == "profile")["configMap"]["name"]
    config_map = rendered.one("ConfigMap", name)
    assert config_map["data"]["profile.yaml"] == profile
    assert config_map["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"


def test_schema_rejects_typos_in_the_keys_values(render):
    done = render(set={"signingKeys.generate.enable": "true"}, expect_ok=False)
    assert done.returncode != 0
    assert "additional properties 'enable' not allowed" in done.stderr
