using System.Collections.Frozen;

namespace Huiqi.Domain.Profiles;

/// <summary>The closed vocabularies of ELIGIBILITY.md §1, with their zh-CN names for people.</summary>
public static class Codes
{
    public static readonly FrozenDictionary<string, string> TechDomains = new Dictionary<string, string>
    {
        ["electronic_info"] = "电子信息",
        ["biomedicine"] = "生物与新医药",
        ["aerospace"] = "航空航天",
        ["new_materials"] = "新材料",
        ["high_tech_services"] = "高技术服务",
        ["new_energy"] = "新能源与节能",
        ["resources_environment"] = "资源与环境",
        ["advanced_manufacturing"] = "先进制造与自动化",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public static readonly FrozenDictionary<string, string> Scales = new Dictionary<string, string>
    {
        ["micro"] = "微型",
        ["small"] = "小型",
        ["medium"] = "中型",
        ["large"] = "大型",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public static readonly FrozenDictionary<string, string> Ownerships = new Dictionary<string, string>
    {
        ["private"] = "民营",
        ["state"] = "国有",
        ["foreign"] = "外资",
        ["collective"] = "集体",
        ["other"] = "其他",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public static readonly FrozenDictionary<string, string> TaxCredits = new Dictionary<string, string>
    {
        ["A"] = "A级",
        ["B"] = "B级",
        ["M"] = "M级",
        ["C"] = "C级",
        ["D"] = "D级",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public static readonly FrozenDictionary<string, string> ListingBoards = new Dictionary<string, string>
    {
        ["main"] = "主板",
        ["chinext"] = "创业板",
        ["star"] = "科创板",
        ["bse"] = "北交所",
        ["neeq"] = "新三板",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public static readonly FrozenDictionary<string, string> CertificationKinds = new Dictionary<string, string>
    {
        ["high_tech"] = "高新技术企业",
        ["tech_sme"] = "科技型中小企业",
        ["innovative_sme"] = "创新型中小企业",
        ["srdi"] = "专精特新中小企业",
        ["little_giant"] = "专精特新“小巨人”企业",
        ["prov_tech_innovative"] = "省级科技创新型企业",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public static readonly FrozenDictionary<string, string> CertificationLevels = new Dictionary<string, string>
    {
        ["national"] = "国家级",
        ["provincial"] = "省级",
        ["municipal"] = "市级",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>行政区划代码 the demo needs (Lanzhou and the places of the seed documents); others print as their code.</summary>
    public static readonly FrozenDictionary<string, string> Regions = new Dictionary<string, string>
    {
        ["620000"] = "甘肃省",
        ["620100"] = "兰州市",
        ["620102"] = "城关区",
        ["620103"] = "七里河区",
        ["620104"] = "西固区",
        ["620105"] = "安宁区",
        ["620111"] = "红古区",
        ["620121"] = "永登县",
        ["620122"] = "皋兰县",
        ["620123"] = "榆中县",
        ["620171"] = "兰州新区",
        ["620200"] = "嘉峪关市",
        ["620300"] = "金昌市",
        ["620400"] = "白银市",
        ["620402"] = "白银区",
        ["620500"] = "天水市",
        ["620800"] = "平凉市",
        ["621100"] = "定西市",
        ["420000"] = "湖北省",
        ["429004"] = "仙桃市",
        ["440000"] = "广东省",
        ["440300"] = "深圳市",
        ["330000"] = "浙江省",
        ["330100"] = "杭州市",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>GB/T 4754-2017 codes the demo needs; others print as their code.</summary>
    public static readonly FrozenDictionary<string, string> Industries = new Dictionary<string, string>
    {
        ["A"] = "农、林、牧、渔业",
        ["C"] = "制造业",
        ["C13"] = "农副食品加工业",
        ["C14"] = "食品制造业",
        ["C26"] = "化学原料和化学制品制造业",
        ["C27"] = "医药制造业",
        ["C2710"] = "化学药品原料药制造",
        ["C2720"] = "化学药品制剂制造",
        ["C2740"] = "中成药生产",
        ["C30"] = "非金属矿物制品业",
        ["C31"] = "黑色金属冶炼和压延加工业",
        ["C32"] = "有色金属冶炼和压延加工业",
        ["C33"] = "金属制品业",
        ["C34"] = "通用设备制造业",
        ["C35"] = "专用设备制造业",
        ["C38"] = "电气机械和器材制造业",
        ["C39"] = "计算机、通信和其他电子设备制造业",
        ["C3911"] = "计算机整机制造",
        ["C40"] = "仪器仪表制造业",
        ["D"] = "电力、热力、燃气及水生产和供应业",
        ["D44"] = "电力、热力生产和供应业",
        ["E"] = "建筑业",
        ["E47"] = "房屋建筑业",
        ["F"] = "批发和零售业",
        ["F51"] = "批发业",
        ["F52"] = "零售业",
        ["G"] = "交通运输、仓储和邮政业",
        ["H"] = "住宿和餐饮业",
        ["I"] = "信息传输、软件和信息技术服务业",
        ["I63"] = "电信、广播电视和卫星传输服务",
        ["I64"] = "互联网和相关服务",
        ["I65"] = "软件和信息技术服务业",
        ["I6510"] = "软件开发",
        ["I6531"] = "信息系统集成服务",
        ["L"] = "租赁和商务服务业",
        ["M"] = "科学研究和技术服务业",
        ["M73"] = "研究和试验发展",
        ["M74"] = "专业技术服务业",
        ["M75"] = "科技推广和应用服务业",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>园区 codes of the demo.</summary>
    public static readonly FrozenDictionary<string, string> Zones = new Dictionary<string, string>
    {
        ["lanzhou-hitech"] = "兰州高新技术产业开发区",
        ["lanzhou-new-area"] = "兰州新区",
        ["lanzhou-econ"] = "兰州经济技术开发区",
        ["none"] = "不在园区内",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public static string RegionName(string code) => Regions.GetValueOrDefault(code, code);

    public static string IndustryName(string code) => Industries.GetValueOrDefault(code, code);

    public static bool IsRegionCode(string value) => value.Length == 6 && value.All(char.IsAsciiDigit);

    /// <summary>A GB/T 4754 code: a section letter, optionally followed by 2, 3 or 4 digits (C, C27, C271, C2710).</summary>
    public static bool IsIndustryCode(string value) =>
        value.Length is 1 or 3 or 4 or 5 && char.IsAsciiLetterUpper(value[0]) && value.Skip(1).All(char.IsAsciiDigit);
}
