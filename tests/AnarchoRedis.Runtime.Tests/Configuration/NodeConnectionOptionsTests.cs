using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.Extensions.Configuration;
using StackExchange.Redis;
using Xunit;

namespace AnarchoRedis.Runtime.Tests.Configuration;

/// <summary><see cref="NodeConnectionOptions"/>: binding, validation, and what each node's configuration gets.</summary>
public sealed class NodeConnectionOptionsTests
{
    [Fact]
    public void The_connection_section_binds_from_configuration()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Nodes:0"] = "127.0.0.1:6380",
            ["Connection:User"] = "anarcho",
            ["Connection:Password"] = "secret",
            ["Connection:Tls"] = "true",
            ["Connection:TlsHost"] = "redis.internal",
        }).Build();

        var options = configuration.Get<AnarchoRedisOptions>()!;

        Assert.Equal("anarcho", options.Connection.User);
        Assert.Equal("secret", options.Connection.Password);
        Assert.True(options.Connection.Tls);
        Assert.Equal("redis.internal", options.Connection.TlsHost);
        Assert.True(new AnarchoRedisOptionsValidator().Validate(null, options).Succeeded);
    }

    [Fact]
    public void Settings_apply_to_every_node_but_a_user_or_password_in_a_node_string_wins()
    {
        var connection = new NodeConnectionOptions { User = "anarcho", Password = "shared", Tls = true, TlsHost = "redis.internal" };
        var plain = ConfigurationOptions.Parse("127.0.0.1:6380");
        var own = ConfigurationOptions.Parse("127.0.0.1:6381,user=other,password=own");

        connection.ApplyTo(plain);
        connection.ApplyTo(own);

        Assert.Equal(("anarcho", "shared"), (plain.User, plain.Password));
        Assert.Equal(("other", "own"), (own.User, own.Password));
        Assert.True(plain.Ssl && own.Ssl);
        Assert.Equal("redis.internal", plain.SslHost);
    }

    [Fact]
    public void Nothing_set_leaves_a_node_string_as_it_is()
    {
        var config = ConfigurationOptions.Parse("127.0.0.1:6379");

        new NodeConnectionOptions().ApplyTo(config);

        Assert.False(config.Ssl);
        Assert.Null(config.User);
        Assert.Null(config.Password);
    }

    [Fact]
    public void Missing_certificate_files_and_a_certificate_without_its_key_are_options_errors()
    {
        var options = new AnarchoRedisOptions
        {
            Nodes = ["127.0.0.1:6380"],
            Connection = { TrustedCaCertificatePath = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N") + ".crt"), ClientCertificatePath = typeof(NodeConnectionOptionsTests).Assembly.Location },
        };

        var failures = new AnarchoRedisOptionsValidator().Validate(null, options).Failures!.ToList();

        Assert.Equal(2, failures.Count);
        Assert.Contains(failures, f => f.Contains("ClientKeyPath go together", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("TrustedCaCertificatePath names a file that does not exist", StringComparison.Ordinal));
    }
}
