using System.Globalization;
using System.Linq;
using AnarchoRedis.Generators.Model;

namespace AnarchoRedis.Generators.Emitting;

/// <summary>
/// Emits the assembly's <c>ReplicatedTypes</c> catalog in a namespace named after the assembly, so catalogs of
/// several model assemblies referenced by one application never clash.
/// </summary>
internal static class RegistryEmitter
{
    public const string HintName = "AnarchoRedis.ReplicatedTypes.g.cs";

    public static string Emit(RegistryModel model)
    {
        var writer = GeneratedText.NewFile();
        var ns = model.Assembly.RegistryNamespace;
        var self = model.Assembly.RegistryClass;
        writer.OpenBlock("namespace " + ns);
        writer.WriteLine("/// <summary>The replicated types declared in the " + GeneratedText.Xml(model.Assembly.AssemblyName) + " assembly, for the AnarchoRedis type registry.</summary>");
        writer.WriteLine(GeneratedText.GeneratedCodeAttribute);
        writer.OpenBlock("public sealed class ReplicatedTypes : global::AnarchoRedis.IReplicatedTypeCatalog");
        writer.OpenBlock("private ReplicatedTypes()");
        writer.CloseBlock();

        for (var i = 0; i < model.Types.Count; i++)
        {
            var spec = model.Types[i];
            var descriptorType = (spec.Kind == ReplicatedTypeKind.Value ? "global::AnarchoRedis.ReplicatedValueDescriptor<" : "global::AnarchoRedis.ReplicatedListDescriptor<")
                + spec.FullyQualifiedName + ">";
            writer.WriteLine();
            writer.WriteLine("/// <summary>The " + (spec.Kind == ReplicatedTypeKind.Value ? "value" : "list")
                + " descriptor of <see cref=\"" + spec.FullyQualifiedName + "\"/>, keys <c>" + GeneratedText.Xml(spec.KeyTemplate) + "</c>.</summary>");
            writer.WriteLine((spec.IsPublic ? "public" : "internal") + " static " + descriptorType + " " + model.Names[i].PropertyName + " { get; } = new " + descriptorType + "(");
            writer.Indent();
            writer.WriteLine(GeneratedText.StringLiteral(spec.RegistryName) + ",");
            writer.WriteLine(GeneratedText.StringLiteral(spec.KeyTemplate) + ",");
            writer.WriteLine("(global::AnarchoRedis.Consistency)" + spec.ReadConsistency.ToString(CultureInfo.InvariantCulture) + ",");
            writer.WriteLine("(global::AnarchoRedis.Consistency)" + spec.WriteConsistency.ToString(CultureInfo.InvariantCulture) + ",");
            writer.WriteLine((spec.TimeToLiveSeconds > 0
                ? "global::System.TimeSpan.FromSeconds(" + spec.TimeToLiveSeconds.ToString(CultureInfo.InvariantCulture) + ")"
                : "null") + (spec.MaxLength > 0 ? "," : ");"));
            if (spec.MaxLength > 0)
            {
                // Only a capped list passes the argument, so uncapped descriptors read as before.
                writer.WriteLine(spec.MaxLength.ToString(CultureInfo.InvariantCulture) + ");");
            }
            writer.Unindent();
        }

        writer.WriteLine();
        writer.WriteLine("// Declared after the descriptors: static initializers run in textual order, and the instance reads them.");
        writer.WriteLine("/// <summary>The catalog; the generated <c>Add…Repositories()</c> registers it.</summary>");
        writer.WriteLine("public static " + self + " Instance { get; } = new " + self + "();");
        writer.WriteLine();
        writer.WriteLine("/// <inheritdoc />");
        writer.OpenBlock("public global::System.Collections.Generic.IReadOnlyList<global::AnarchoRedis.ReplicatedTypeDescriptor> Types { get; } = new global::AnarchoRedis.ReplicatedTypeDescriptor[]");
        foreach (var name in model.Names)
        {
            writer.WriteLine(name.PropertyName + ",");
        }

        writer.CloseBlock(";");
        writer.CloseBlock();
        writer.CloseBlock();
        return writer.ToString();
    }
}
