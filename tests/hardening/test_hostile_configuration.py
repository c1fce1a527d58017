"""``orderpilot config apply`` with hostile files: every one is refused with a message naming the key
(or the file), nothing is changed, and nothing crashes with a traceback."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from orderpilot.core.configuration.apply import apply_config_file
from orderpilot.core.configuration.schema import ConfigError

pytestmark = pytest.mark.django_db

GOOD_CHANNEL = '''
[[channels]]
code = "amazon-de"
kind = "amazon"
endpoint = "http://127.0.0.1:9101"
marketplace_ids = ["A1PA6795UKMFR9"]
'''

HOSTILE = [
    ("not UTF-8", b"\xff\xfe[[channels]]\n", "(file)", "not UTF-8 text"),
    ("binary", bytes(range(256)), "(file)", "not UTF-8 text"),
    ("nested 100,000 deep", b"x = " + b"[" * 100_000 + b"]" * 100_000, "(file)", "nested too deeply"),
    ("nested 30 deep", b"[[channels]]\ncode='a'\nkind='amazon'\nsettings = { a = " + b"[" * 30 + b"]" * 30 + b" }",
     "channels[0].settings.a", "nested deeper than 20 levels"),
    ("larger than 5 MB", b"# " + b"x" * (5 * 1024 * 1024) + b"\n", "(file)", "larger than 5 MB"),
    ("a 64-bit weight", b'[[products]]\nsku = "MUG-01"\nweight_g = 9223372036854775807\n',
     "products[0].weight_g", "out of range"),
    ("a negative 64-bit priority", b'[[shippers]]\ncode = "w"\nkind = "in_house"\npriority = -9223372036854775808\n',
     "shippers[0].priority", "out of range"),
    ("a poll interval of 10^17 days", GOOD_CHANNEL.encode() + b'poll_interval = "99999999999999999d"\n',
     "channels[0].poll_interval", "longer than ten years"),
    ("a poll interval as a boolean", GOOD_CHANNEL.encode() + b"poll_interval = true\n",
     "channels[0].poll_interval", "is not a duration"),
    ("a poll interval as a float", GOOD_CHANNEL.encode() + b"poll_interval = 1.5\n",
     "channels[0].poll_interval", "is not a duration"),
    ("a deadline of 5000 digits", b'[[shippers]]\ncode = "w"\nkind = "in_house"\nconfirmation_deadline = "'
     + b"9" * 5000 + b'h"\n', "shippers[0].confirmation_deadline", "longer than ten years"),
    ("nan in settings", GOOD_CHANNEL.encode() + b"settings = { factor = nan }\n", "channels[0].settings.factor",
     "is not a number"),
    ("inf as a price", b'[[shippers]]\ncode = "w"\nkind = "in_house"\nprice = [{ up_to_g = 100, eur = inf }]\n',
     "shippers[0].price[0].eur", "is not a number"),
    ("a NUL in a name", GOOD_CHANNEL.encode() + b'name = "Amazon\\u0000DE"\n', "channels[0].name",
     "contains a NUL character"),
    ("a NUL in a key", GOOD_CHANNEL.encode() + b'settings = { "a\\u0000" = 1 }\n', "channels[0].settings.a\x00",
     "contains a NUL character"),
    ("a name of 300 characters", GOOD_CHANNEL.encode() + b'name = "' + b"A" * 300 + b'"\n', "channel amazon-de: name",
     "longer than 200 characters"),
    ("an endpoint of 5000 characters", b'[[channels]]\ncode = "a"\nkind = "amazon"\nendpoint = "http://'
     + b"a" * 5000 + b'"\n', "channel a: endpoint", "longer than 200 characters"),
    ("a secret written into the file", GOOD_CHANNEL.encode() + b'client_secret = "amzn1.oa2-cs.v1.abc"\n',
     "channels[0]", "unknown key 'client_secret'"),
    ("an env name that is code", GOOD_CHANNEL.encode() + b'client_secret_env = "$(rm -rf /)"\n', "channels[0]",
     "must name an environment variable"),
    ("a code with a path", b'[[shippers]]\ncode = "../../etc"\nkind = "in_house"\n', "shippers[0].code",
     "should match pattern"),
    ("a template that does not parse", b'[[shippers]]\ncode = "w"\nkind = "in_house"\nformat = "text"\n'
     b'template = "{% for x in %}"\n', "shippers[0]", "template: template error in line 1"),
    ("a bad regular expression", b'[[shippers]]\ncode = "w"\nkind = "external"\n'
     b'transport = { kind = "folder", path = "/tmp/w" }\nreturn_channel = { kind = "imap", tracking_pattern = "(" }\n',
     "shippers[0].return_channel", "not a regular expression"),
]


@pytest.fixture
def earlier_configuration(tmp_path):
    path = tmp_path / "earlier.toml"
    path.write_text(GOOD_CHANNEL + 'name = "Amazon DE"\n')
    apply_config_file(path)


def _snapshot():
    from orderpilot.catalog.models import Product
    from orderpilot.channels.models import Channel
    from orderpilot.core.models import SystemSetting
    from orderpilot.orders.models import HoldRule
    from orderpilot.shipping.models import Shipper

    return [list(model.objects.order_by("pk").values()) for model in (Channel, Product, Shipper, HoldRule,
                                                                       SystemSetting)]


@pytest.mark.parametrize(("content", "key", "message"), [(c, k, m) for _, c, k, m in HOSTILE],
                         ids=[name for name, *_ in HOSTILE])
def test_a_hostile_file_names_the_key_and_changes_nothing(tmp_path, earlier_configuration, content, key, message):
    # given
    path = tmp_path / "hostile.toml"
    path.write_bytes(content)
    before = _snapshot()

    # when
    with pytest.raises(ConfigError) as refused:
        apply_config_file(path)

    # then
    problems = refused.value.problems
    assert any(k.startswith(key) and message in m for k, m in problems), problems
    assert _snapshot() == before


@pytest.mark.parametrize(("content", "key", "message"), [(c, k, m) for _, c, k, m in HOSTILE[:8]],
                         ids=[name for name, *_ in HOSTILE[:8]])
def test_the_command_reports_a_hostile_file_without_a_traceback(tmp_path, content, key, message):
    path = tmp_path / "hostile.toml"
    path.write_bytes(content)
    with pytest.raises(CommandError) as refused:
        call_command("config", "apply", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    assert "configuration not applied, nothing changed" in str(refused.value)
    assert message in str(refused.value)
    assert "Traceback" not in str(refused.value)


def test_a_directory_or_a_device_is_not_a_configuration(tmp_path):
    with pytest.raises(ConfigError) as refused:
        apply_config_file(tmp_path)
    assert refused.value.problems[0][0] == "(file)"


SANDBOX_ESCAPES = [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ data.__class__.__init__.__globals__ }}",
    "{% for c in [].__class__.__base__.__subclasses__() %}{{ c }}{% endfor %}",
]


@pytest.mark.parametrize("template", SANDBOX_ESCAPES)
def test_a_shipper_template_cannot_leave_the_sandbox(template):
    from orderpilot.core.exceptions import TerminalError
    from orderpilot.shipping.formats.templating import render_template

    with pytest.raises(TerminalError, match="template for the delivery note"):
        render_template(template, {"customer": {"name": "x"}}, format_name="text", purpose="delivery_note")


def test_template_syntax_in_buyer_data_is_printed_not_run():
    from orderpilot.shipping.formats.templating import render_template

    text = render_template(
        "{{ name }}|{{ [name, '=1+1']|csv_row }}", {"name": "{{ 7*7 }}{% raw %}"}, format_name="text",
        purpose="delivery_note",
    )
    assert text == "{{ 7*7 }}{% raw %}|{{ 7*7 }}{% raw %};'=1+1"
