using System;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Tasks;
using StackExchange.Redis;
using Xunit;

namespace AnarchoRedis.Testing.Tests;

/// <summary>TLS-only nodes and ACL users: <see cref="LocalCertificates"/>, <see cref="LocalClusterOptions.Tls"/> and <see cref="LocalClusterOptions.AclUsers"/>.</summary>
public sealed class SecureNodeTests
{
    [Fact]
    public void The_certificates_chain_to_their_CA_and_the_server_certificate_names_the_loopback_address()
    {
        using var certificates = LocalCertificates.Create();
        using var ca = X509Certificate2.CreateFromPem(System.IO.File.ReadAllText(certificates.CaCertificatePath));
        using var server = X509Certificate2.CreateFromPemFile(certificates.ServerCertificatePath, certificates.ServerKeyPath);
        using var client = X509Certificate2.CreateFromPemFile(certificates.ClientCertificatePath, certificates.ClientKeyPath);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;

        Assert.True(chain.Build(server), string.Join("; ", Array.ConvertAll(chain.ChainStatus, s => s.StatusInformation)));
        Assert.True(chain.Build(client));
        Assert.True(server.MatchesHostname("127.0.0.1"));
        Assert.True(server.MatchesHostname("localhost"));
        Assert.True(server.HasPrivateKey && client.HasPrivateKey);

        var directory = certificates.Directory;
        certificates.Dispose();
        Assert.False(System.IO.Directory.Exists(directory));
    }

    [Fact]
    public async Task A_TLS_only_node_with_an_ACL_user_serves_it_through_its_proxy_and_keeps_both_across_a_restart()
    {
        using var certificates = LocalCertificates.Create();
        var options = new LocalClusterOptions { NodeCount = 1, Tls = certificates };
        options.AclUsers.Add("app on >app-password ~app:* +@all");
        await using var cluster = await LocalCluster.StartAsync(options);
        var node = cluster[0];

        for (var round = 0; round < 2; round++)
        {
            await using var tls = await ConnectAsync(node.EndPoint, certificates, user: "app", password: "app-password");
            Assert.True(await tls.GetDatabase().StringSetAsync("app:1", "v"));
            await Assert.ThrowsAsync<RedisServerException>(() => tls.GetDatabase().StringSetAsync("other:1", "v"));
            Assert.Equal("v", (string?)await node.Db.StringGetAsync("app:1"));

            // A plain TCP client gets nothing from the TLS port.
            await using var plain = await Connections.ConnectAsync(node.DirectEndPoint, failFast: true);
            Assert.False(plain.IsConnected);

            // The ACL file and the TLS settings are given again at every start, also one that loses the data.
            await node.RestartAsync(RestartMode.LoseData);
        }

        Assert.NotNull(node.Proxy);
        Assert.Equal("127.0.0.1:" + node.Proxy!.Port, node.EndPoint);
        Assert.Contains(IPAddress.Loopback.ToString(), cluster.CreateOptions().Nodes[0], StringComparison.Ordinal);
        Assert.Equal(certificates.CaCertificatePath, cluster.CreateOptions().Connection.TrustedCaCertificatePath);
    }

    private static Task<ConnectionMultiplexer> ConnectAsync(string endPoint, LocalCertificates certificates, string user, string password)
    {
        var config = ConfigurationOptions.Parse(endPoint);
        config.AbortOnConnectFail = false;
        config.ConnectTimeout = 5000;
        config.Ssl = true;
        config.User = user;
        config.Password = password;
        config.TrustIssuer(certificates.CaCertificatePath);
        config.SetUserPemCertificate(certificates.ClientCertificatePath, certificates.ClientKeyPath);
        return ConnectionMultiplexer.ConnectAsync(config);
    }
}
