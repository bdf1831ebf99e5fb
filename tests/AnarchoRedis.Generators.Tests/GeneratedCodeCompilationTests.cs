using System;
using System.IO;
using System.Linq;
using System.Reflection;
using AnarchoRedis.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace AnarchoRedis.Generators.Tests;

/// <summary>
/// The generated code compiled with the models against the real runtime, nullable and documentation mode on:
/// any warning would break a user's TreatWarningsAsErrors build. Then the assembly is loaded and exercised.
/// </summary>
public sealed class GeneratedCodeCompilationTests
{
    [Fact]
    public void RepresentativeModelsCompileWithoutWarnings()
    {
        var (result, output) = GeneratorHarness.Run(Models.Representative);

        Assert.Empty(result.Diagnostics);
        Assert.Equal(7, result.GeneratedTrees.Length); // four repositories, one list repository, the catalog, the DI extension
        Assert.Empty(GeneratorHarness.CompilationProblems(output).Select(Snapshot.Describe));
    }

    [Fact]
    public void InternalAndKeywordNamedModelsCompileWithoutWarnings()
    {
        const string source = """
            using AnarchoRedis;

            namespace @class.@event;

            public enum Kind { A, B }

            [ReplicatedKey("x:{Kind}:{Options}:{Value}:{CancellationToken}:{Key}:{ID}")]
            public sealed class @struct
            {
                public Kind Kind { get; set; }
                public string Options { get; set; } = "";
                public int Value { get; set; }
                public long CancellationToken { get; set; }
                public string Key { get; set; } = "";
                public System.Guid ID { get; set; }
            }

            [ReplicatedKey("types:{Id}")]
            public sealed class Types { public int Id { get; set; } }
            """;
        var (result, output) = GeneratorHarness.Run(GeneratorHarness.Compile(new[] { source }, "9lives.models-v2"));

        Assert.Empty(result.Diagnostics);
        Assert.Empty(GeneratorHarness.CompilationProblems(output).Select(Snapshot.Describe));
    }

    [Fact]
    public void TypeWithBothAttributesGetsTwoDescriptors()
    {
        const string source = """
            using AnarchoRedis;

            namespace Samples.Models;

            [ReplicatedKey("room:{Id}", Name = "room")]
            [ReplicatedList("room-log:{Id}", Name = "room-log")]
            public sealed class Room { public int Id { get; set; } }
            """;
        var (result, output) = GeneratorHarness.Run(source);

        Assert.Empty(result.Diagnostics);
        Assert.Empty(GeneratorHarness.CompilationProblems(output).Select(Snapshot.Describe));
        var catalog = output.GetTypeByMetadataName("Samples.Models.ReplicatedTypes")!;
        Assert.NotEmpty(catalog.GetMembers("Room"));
        Assert.NotEmpty(catalog.GetMembers("RoomList"));
    }

    [Fact]
    public void GeneratedKeysCatalogAndRegistrationsBehave()
    {
        var assembly = Load(GeneratorHarness.Run(Models.Representative).Output);

        var orderKey = Invoke(assembly, "Samples.Models.OrderRepository", "FormatKey", "acme", 42L, Enum.Parse(assembly.GetType("Samples.Models.OrderStatus")!, "Shipped"));
        Assert.Equal("tenant:acme:order:42:Shipped", orderKey);
        var counterKey = Invoke(assembly, "CounterRepository", "FormatKey", ulong.MaxValue, (ushort)7, (short)-3, (sbyte)-128, 9u);
        Assert.Equal("counter:18446744073709551615/7/-3/-128/9", counterKey);
        var invoiceKey = Invoke(assembly, "Samples.Models.Billing.Invoices.InvoiceRepository", "FormatKey", new Guid("0f8fad5b-d9cb-469f-a165-70867728950e"));
        Assert.Equal("invoice:0f8fad5b-d9cb-469f-a165-70867728950e", invoiceKey);
        var emptyTenant = Assert.Throws<TargetInvocationException>(() => Invoke(assembly, "Samples.Models.OrderRepository", "FormatKey", "", 1L, Enum.ToObject(assembly.GetType("Samples.Models.OrderStatus")!, 0)));
        Assert.IsType<InvalidKeyException>(emptyTenant.InnerException);

        var catalog = (IReplicatedTypeCatalog)assembly.GetType("Samples.Models.ReplicatedTypes")!.GetProperty("Instance")!.GetValue(null)!;
        Assert.Equal(
            new[] { "Counter", "Samples.Models.Billing.Invoices.Invoice", "Samples.Models.Chat.ChatMessage", "order", "Samples.Models.User" }, // by type name
            catalog.Types.Select(t => t.Name));
        var order = catalog.Types.Single(t => t.Name == "order");
        Assert.Equal((Consistency.Quorum, Consistency.All, TimeSpan.FromHours(1)), (order.ReadConsistency, order.WriteConsistency, order.TimeToLive));
        var chat = catalog.Types.Single(t => t.Kind == ReplicatedKind.List);
        Assert.Equal(("chat:{RoomId}:{Channel}", TimeSpan.FromDays(1)), (chat.KeyTemplate, chat.TimeToLive));
        Assert.Null(catalog.Types.Single(t => t.Name == "Samples.Models.User").TimeToLive);

        var services = new ServiceCollection();
        var register = assembly.GetType("Microsoft.Extensions.DependencyInjection.SamplesModelsAnarchoRedisServiceCollectionExtensions")!.GetMethod("AddSamplesModelsRepositories")!;
        register.Invoke(null, new object[] { services });
        register.Invoke(null, new object[] { services }); // twice is harmless: TryAdd everywhere
        Assert.Single(services, d => d.ServiceType == typeof(IReplicatedTypeCatalog) && d.ImplementationInstance == catalog);
        var repositories = services.Where(d => d.ServiceType.Name.EndsWith("Repository", StringComparison.Ordinal)).ToList();
        Assert.Equal(5, repositories.Count);
        Assert.All(repositories, d => Assert.Equal(ServiceLifetime.Singleton, d.Lifetime));
        Assert.Contains(repositories, d => d.ServiceType.FullName == "Samples.Models.IUserRepository" && d.ImplementationType!.FullName == "Samples.Models.UserRepository");
        Assert.Contains(repositories, d => d.ServiceType.FullName == "Samples.Models.Chat.IChatMessageListRepository" && d.ImplementationType!.FullName == "Samples.Models.Chat.ChatMessageListRepository");
    }

    [Fact]
    public void ListRepositoriesCompileWithoutWarningsAndFormatKeys()
    {
        var (result, output) = GeneratorHarness.Run(Models.Lists);

        Assert.Empty(result.Diagnostics);
        Assert.Empty(GeneratorHarness.CompilationProblems(output).Select(Snapshot.Describe));
        Assert.Equal(
            new[]
            {
                "Samples.Models.Audit.AuditEntry.ListRepository.g.cs", "Samples.Models.Lists.ChatMessage.ListRepository.g.cs",
                "Samples.Models.Lists.Job.ListRepository.g.cs", "Samples.Models.Lists.Room.ListRepository.g.cs", "Samples.Models.Lists.Room.Repository.g.cs",
            },
            result.GeneratedTrees.Select(t => Path.GetFileName(t.FilePath)).Where(n => n.Contains("Repository", StringComparison.Ordinal)).OrderBy(n => n, StringComparer.Ordinal));

        var assembly = Load(output);
        Assert.Equal("chat:7:general", Invoke(assembly, "Samples.Models.Lists.ChatMessageListRepository", "FormatKey", 7, "general"));
        var high = Enum.Parse(assembly.GetType("Samples.Models.Lists.Priority")!, "High");
        Assert.Equal(
            "jobs:0f8fad5b-d9cb-469f-a165-70867728950e:High:-5:batch:3",
            Invoke(assembly, "Samples.Models.Lists.JobListRepository", "FormatKey", new Guid("0f8fad5b-d9cb-469f-a165-70867728950e"), high, -5L, "batch", 3));
        var emptyChannel = Assert.Throws<TargetInvocationException>(() => Invoke(assembly, "Samples.Models.Lists.ChatMessageListRepository", "FormatKey", 7, ""));
        Assert.IsType<InvalidKeyException>(emptyChannel.InnerException);

        // Parameter types and names as a caller sees them: typed after the property, else string; clashing names get "Part".
        var push = assembly.GetType("Samples.Models.Lists.IJobListRepository")!.GetMethods()
            .Single(m => m.Name == "PushLeftAsync" && m.GetParameters().Any(p => p.Name == "item"));
        Assert.Equal(
            new[] { "Guid queueId", "Priority priority", "Int64 shard", "String itemsPart", "Int32 startPart", "Job item", "WriteOptions options", "CancellationToken cancellationToken" },
            push.GetParameters().Select(p => p.ParameterType.Name + " " + p.Name));
        Assert.False(assembly.GetType("Samples.Models.Audit.AuditEntryListRepository")!.IsPublic);
        Assert.True(assembly.GetType("Samples.Models.Lists.RoomListRepository")!.IsPublic);

        var services = new ServiceCollection();
        assembly.GetType("Microsoft.Extensions.DependencyInjection.SamplesModelsAnarchoRedisServiceCollectionExtensions")!
            .GetMethod("AddSamplesModelsRepositories")!.Invoke(null, new object[] { services });
        Assert.Equal(
            new[] { "IAuditEntryListRepository", "IChatMessageListRepository", "IJobListRepository", "IRoomListRepository", "IRoomRepository" },
            services.Where(d => d.ServiceType.Name.EndsWith("Repository", StringComparison.Ordinal)).Select(d => d.ServiceType.Name).OrderBy(n => n, StringComparer.Ordinal));
    }

    // Construction only: the list store's methods are not implemented yet, and no server runs here. The client is
    // pointed at a closed port; it does not fail construction for unreachable nodes.
    [Fact]
    public async System.Threading.Tasks.Task ListRepositoryConstructsOverAClientAndChecksItsArguments()
    {
        var assembly = Load(GeneratorHarness.Run(Models.Lists).Output);
        await using var client = new AnarchoRedisClient(new AnarchoRedisOptions { Nodes = { "127.0.0.1:1" }, ConnectTimeout = TimeSpan.FromMilliseconds(200) });

        var type = assembly.GetType("Samples.Models.Lists.ChatMessageListRepository")!;
        var repository = Activator.CreateInstance(type, client)!;
        var pushOne = type.GetMethods().Single(m => m.Name == "PushRightAsync" && m.GetParameters()[2].Name == "item");
        var nullItem = Assert.Throws<TargetInvocationException>(() => pushOne.Invoke(repository, new object?[] { 1, "general", null, null, default(System.Threading.CancellationToken) }));
        Assert.Equal("item", Assert.IsType<ArgumentNullException>(nullItem.InnerException).ParamName);
        var pushMany = type.GetMethods().Single(m => m.Name == "PushLeftAsync" && m.GetParameters()[2].Name == "items");
        var nullItems = Assert.Throws<TargetInvocationException>(() => pushMany.Invoke(repository, new object?[] { 1, "general", null, null, default(System.Threading.CancellationToken) }));
        Assert.Equal("items", Assert.IsType<ArgumentNullException>(nullItems.InnerException).ParamName);
        var nullClient = Assert.Throws<TargetInvocationException>(() => Activator.CreateInstance(type, new object?[] { null }));
        Assert.IsType<ArgumentNullException>(nullClient.InnerException);
    }

    private static object? Invoke(Assembly assembly, string type, string method, params object[] arguments) =>
        assembly.GetType(type, throwOnError: true)!.GetMethod(method)!.Invoke(null, arguments);

    private static Assembly Load(Compilation compilation)
    {
        using var stream = new MemoryStream();
        var emit = compilation.Emit(stream);
        Assert.True(emit.Success, string.Join("\n", emit.Diagnostics.Select(Snapshot.Describe)));
        return Assembly.Load(stream.ToArray());
    }
}
