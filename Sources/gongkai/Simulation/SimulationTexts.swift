import Foundation

/// The Chinese texts a simulated year is written with: publication titles and columns per
/// obligation, task evidence, meeting notes, reply outcomes. Templates take `{y}` (year),
/// `{py}` (the year before), `{m}` (month), `{q}` (quarter), `{h}` (上半年/下半年), `{unit}` and `{county}`.
enum SimulationTexts {
    /// Publication titles by obligation id; obligations not listed use `genericTitles`.
    static let titles: [String: [String]] = [
        "T01": [
            "{y}年{m}月重大项目建设进展", "{unit}贯彻落实县委县政府重大决策部署情况", "{y}年{m}月重点工作推进情况",
            "关于印发《{unit}{y}年工作要点》的通知", "{unit}“三大战略、八大行动”{m}月落实情况", "{y}年{m}月革命老区高质量发展示范区建设进展",
            "{unit}{y}年{m}月工作动态", "关于做好{y}年稳经济促发展工作的实施意见",
        ],
        "T02": [
            "{y}年{m}月数字经济发展动态", "关于推进数字政府建设的实施方案", "{m}月5G基站建设进展情况",
            "数字经济“一号发展工程”{m}月推进情况", "{y}年{m}月“互联网+政务服务”工作动态", "工业互联网平台建设项目公示",
        ],
        "T03": [
            "优化营商环境“一号改革工程”{m}月进展", "涉企收费目录清单（{y}年{m}月更新）", "{m}月“一件事一次办”事项办理情况",
            "关于进一步减轻企业负担的若干措施", "{y}年{m}月稳岗扩岗政策落实情况", "市场经营活动轻微违法行为免罚清单解读",
        ],
        "T04a": ["{y}年{unit}部门预算公开", "{py}年{unit}部门决算公开", "{y}年{unit}“三公”经费预算情况说明"],
        "T04b": ["{y}年第{q}季度财政直达资金分配使用情况", "{y}年第{q}季度审计整改结果公告", "{y}年第{q}季度直达资金项目公示"],
        "T04c": ["{y}年{county}行政事业性收费目录清单", "{y}年{county}政府性基金目录清单"],
        "T08a": ["{y}年第{q}季度村级财务收支公开", "{y}年第{q}季度惠农政策落实情况公开", "{y}年第{q}季度乡村振兴项目公示"],
    ]

    /// Publication titles of Task 5 (重点民生领域) by unit: each department's own field.
    static let livelihoodTitles: [String: [String]] = [
        "rsj": ["{y}年{m}月城乡居民养老保险待遇发放情况", "{y}年职业技能提升补贴申领指南", "{m}月社会保险缴费基数调整说明"],
        "jktj": ["{y}年义务教育招生入学政策解读", "{y}年县城公办学校划片范围公告", "{y}年民办学校招生计划公示"],
        "fgw": ["{y}年{m}月重要民生商品价格监测情况", "{y}年{m}月以工代赈项目进展"],
        "ybj": ["关于调整城乡居民医保缴费标准的通知", "{y}年{m}月医保基金使用情况", "{y}年门诊慢特病待遇认定公示"],
        "mzj": ["{y}年{m}月城乡低保、特困供养资金发放情况", "{y}年{m}月临时救助对象公示", "{m}月养老服务机构名录更新"],
        "zrzyj": ["国有建设用地使用权挂牌出让公告（{y}年第{m}号）", "{y}年{m}月征地信息公开", "{y}年{m}月不动产登记办理情况"],
        "zjj": ["{y}年保障性住房分配公示", "{y}年{m}月城镇老旧小区改造进展", "{m}月建筑工地扬尘治理通报"],
        "wgxlj": ["{y}年{m}月公共文化场馆免费开放信息", "{y}年全民阅读活动安排", "{m}月文化惠民演出安排"],
        "tyjrswj": ["{y}年优抚对象抚恤补助标准调整", "{y}年{m}月退役军人就业招聘信息", "{y}年光荣牌悬挂工作公告"],
        "wjw": ["{y}年{m}月基本公共卫生服务项目开展情况", "{y}年{m}月传染病疫情概况", "公立医疗机构绩效考核结果（{py}年度）"],
        "scjgj": ["{y}年{m}月食品安全监督抽检信息", "{y}年{m}月药品安全监督检查情况", "{m}月产品质量抽查结果公告"],
        "nyncj": ["{y}年耕地地力保护补贴发放公示", "{y}年{m}月农村宅基地审批情况", "{m}月农产品质量安全监测结果"],
        "xczxj": ["{y}年衔接推进乡村振兴补助资金项目公示", "{y}年{m}月防止返贫监测帮扶情况", "{y}年到户产业奖补公示"],
        "xzspj": ["{y}年{m}月政务服务事项办理情况", "{m}月“赣服通”上犹分厅新上线事项", "{y}年{m}月行政许可公示"],
        "jycyfwzx": ["{y}年{m}月公益性岗位招聘公告", "{y}年{m}月创业担保贷款发放情况", "{m}月高校毕业生就业见习岗位信息"],
        "ggzyjyzx": ["{y}年{m}月工程建设项目招标公告汇总", "{y}年{m}月政府采购结果公示", "{m}月公共资源交易数据统计"],
    ]

    static let genericTitles = [
        "{unit}{y}年{m}月政务信息", "{y}年{m}月{unit}工作动态", "{unit}{y}年第{q}季度工作情况",
    ]

    /// The site column (栏目) each periodic obligation publishes to.
    static let columns: [String: String] = [
        "T01": "重大战略部署", "T02": "数字经济", "T03": "优化营商环境", "T04a": "财政预决算", "T04b": "财政直达资金",
        "T04c": "收费目录清单", "T05": "重点领域信息公开", "T08a": "村务公开",
    ]

    /// What a deadline task's completion is documented by.
    static let evidence = [
        "政府网站专栏截图及工作台账", "县政府办备案回执", "工作总结报告（{unit}）", "专项工作会议纪要",
        "整改落实情况报告", "专栏链接及发布记录",
    ]

    static let meetingNotes: [String: [String]] = [
        "report-heard": ["党组（党委）会议听取政务公开工作汇报", "主要负责同志听取{y}年第{q}季度政务公开工作汇报", "办公会议听取政务公开工作情况汇报"],
        "special-study": ["{y}年{h}政务公开工作专题研究部署会", "政务公开工作专题会议", "专题研究政务公开重点任务落实"],
    ]

    static let questionOutcomes = ["已答复", "已电话回复", "已办结并反馈", "已转相关股室办理并答复"]
    static let applicationOutcomes = ["予以公开", "部分公开", "信息不存在", "不属于本机关公开职责", "予以公开"]

    /// Fills a template's placeholders for `unitName` on `date`.
    static func render(_ template: String, date: BusinessDateParts, unitName: String, county: String) -> String {
        template
            .replacingOccurrences(of: "{py}", with: String(date.year - 1))
            .replacingOccurrences(of: "{y}", with: String(date.year))
            .replacingOccurrences(of: "{m}", with: String(date.month))
            .replacingOccurrences(of: "{q}", with: ["一", "二", "三", "四"][date.quarter - 1])
            .replacingOccurrences(of: "{h}", with: date.month <= 6 ? "上半年" : "下半年")
            .replacingOccurrences(of: "{unit}", with: unitName)
            .replacingOccurrences(of: "{county}", with: county)
    }
}

/// The calendar parts a template uses, so texts need not know the domain's date type.
struct BusinessDateParts {
    let year: Int
    let month: Int
    var quarter: Int { (month - 1) / 3 + 1 }
}
