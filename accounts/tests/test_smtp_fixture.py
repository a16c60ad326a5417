from django.core.mail import send_mail


def test_mail_sent_by_the_site_arrives_at_the_loopback_smtp_server(smtp_server):
    send_mail("Hello", "Body text", "site@example.org", ["someone@example.org"])
    [message] = smtp_server.to("someone@example.org")
    assert message["Subject"] == "Hello"
    assert "Body text" in smtp_server.body(message)
