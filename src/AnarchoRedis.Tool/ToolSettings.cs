using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace AnarchoRedis.Tool;

/// <summary>What every command takes: where the nodes are, how to log in, and how to print.</summary>
internal class ToolSettings : CommandSettings
{
    [CommandOption("-n|--node <ENDPOINT>")]
    [Description("A node: host:port, or a StackExchange.Redis configuration string. Repeat once per node. Else ANARCHO_NODES (';' between nodes) or AnarchoRedis:Nodes from --config or the environment (AnarchoRedis__Nodes__0=...).")]
    public string[] Nodes { get; set; } = [];

    [CommandOption("-c|--config <FILE>")]
    [Description("An appsettings JSON file whose \"AnarchoRedis\" section holds the options (as the application binds them). Else ANARCHO_CONFIG.")]
    public string? ConfigFile { get; set; }

    [CommandOption("--user <NAME>")]
    [Description("The ACL user on every node.")]
    public string? User { get; set; }

    [CommandOption("--password <PASSWORD>")]
    [Description("The password on every node. Else ANARCHO_PASSWORD (keeps it out of the process list).")]
    public string? Password { get; set; }

    [CommandOption("--tls")]
    [Description("Connect to every node over TLS.")]
    public bool Tls { get; set; }

    [CommandOption("--tls-host <NAME>")]
    [Description("The name the nodes' certificates must hold, when it is not the host of each endpoint.")]
    public string? TlsHost { get; set; }

    [CommandOption("--tls-ca <PEM>")]
    [Description("Trust the nodes' certificates when a CA in this PEM file issued them (a private CA).")]
    public string? TlsCa { get; set; }

    [CommandOption("--tls-cert <PEM>")]
    [Description("A client certificate (PEM) for nodes that require one (tls-auth-clients yes); with --tls-key.")]
    public string? TlsCertificate { get; set; }

    [CommandOption("--tls-key <PEM>")]
    [Description("The client certificate's private key (PEM).")]
    public string? TlsKey { get; set; }

    [CommandOption("--timeout <SECONDS>")]
    [Description("How long to wait for a node, per command and to connect.")]
    [DefaultValue(2.0)]
    public double TimeoutSeconds { get; set; } = 2.0;

    [CommandOption("--json")]
    [Description("Print JSON instead of tables (one document; `watch` prints one line per refresh).")]
    public bool Json { get; set; }

    public override ValidationResult Validate() =>
        TimeoutSeconds is > 0 and <= 600 ? ValidationResult.Success() : ValidationResult.Error("--timeout must be between 0 and 600 seconds.");
}
