from models.user import Role
from tests.factories import Factory
from tests.graphql import GraphQLClient, gid


async def test_me_and_tree(client: GraphQLClient, factory: Factory) -> None:
    _root, partner, customer = await factory.tree(2)
    admin = await factory.user(partner, Role.ADMINISTRATOR)
    result = await client(
        "{ me { email company { name depth parent { id } } } "
        "companyTree { edges { node { id name depth } } } }",
        token=factory.token(admin),
    )
    assert result.data["me"]["company"] == {"name": "Level 1", "depth": 0, "parent": None}
    assert [e["node"]["id"] for e in result.data["companyTree"]["edges"]] == [
        gid("Company", partner.id),
        gid("Company", customer.id),
    ]
