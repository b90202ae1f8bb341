from conftest import SOFTMAX_LOG, Client


async def test_open(client: Client, file_uri):
    uri = file_uri()
    client.open(uri, SOFTMAX_LOG)
    diagnostics = await client.wait_diagnostics(uri, 1)
    print(diagnostics)
    assert diagnostics
