def test_sign_in_lands_on_the_organisation_home(web, make_org, make_user):
    org = make_org("provider", slug="riverside-test")
    user = make_user(memberships=[(org, "provider_admin")])
    response = web.sign_in(user.email)
    assert response.headers["Location"].endswith("/o/riverside-test/")
    page = web.client.get("/o/riverside-test/")
    assert page.status_code == 200
    assert org.name in page.get_data(as_text=True)
